// etcdserverpb.Maintenance (v3rpc/maintenance.go). Snapshot streams the backend in 32 KiB
// blobs with remaining_bytes counting down, then one last message whose blob is the sha256 of
// everything sent: `etcdctl snapshot save` checks it and `snapshot restore` verifies it.
import { createHash } from 'node:crypto';
import {
  AlarmRequest,
  AlarmResponse,
  DefragmentRequest,
  DefragmentResponse,
  HashKVRequest,
  HashKVResponse,
  HashRequest,
  HashResponse,
  MaintenanceService,
  MoveLeaderRequest,
  MoveLeaderResponse,
  SnapshotRequest,
  SnapshotResponse,
  StatusRequest,
  StatusResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { serverStream, service, unary, type CallContext, type Service, type StreamOut } from '../method.js';

/** etcd's snapshot send buffer (maintenance.go: `make([]byte, 32*1024)`). */
export const SNAPSHOT_CHUNK_BYTES = 32 * 1024;

export function maintenanceService(server: MemberServer): Service {
  const M = MaintenanceService;
  return service(M, [
    unary(M.alarm.path, AlarmRequest, AlarmResponse, (req) => server.alarm(req)),
    unary(M.status.path, StatusRequest, StatusResponse, () => server.status()),
    unary(M.defragment.path, DefragmentRequest, DefragmentResponse, () => server.defragment()),
    unary(M.hash.path, HashRequest, HashResponse, () => server.hash()),
    unary(M.hashKv.path, HashKVRequest, HashKVResponse, (req) => server.hashKV(Number(req.revision))),
    unary(M.moveLeader.path, MoveLeaderRequest, MoveLeaderResponse, (req) => server.moveLeader(req.targetID)),
    serverStream(M.snapshot.path, SnapshotRequest, SnapshotResponse, (_req, out, ctx) => sendSnapshot(server, out, ctx)),
  ]);
}

async function sendSnapshot(server: MemberServer, out: StreamOut<SnapshotResponse>, ctx: CallContext): Promise<void> {
  const { size, chunks } = await server.snapshot();
  const sha = createHash('sha256');
  let sent = 0;
  let pending: Buffer = Buffer.alloc(0);
  const sendBlob = async (blob: Buffer) => {
    sent += blob.length;
    sha.update(blob);
    await out.send({ header: undefined, remaining_bytes: BigInt(Math.max(size - sent, 0)), blob });
  };
  // Re-chunk to exactly 32 KiB whatever sizes the backend yields, as etcd reads its pipe.
  for await (const chunk of chunks) {
    if (ctx.signal.aborted) return;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= SNAPSHOT_CHUNK_BYTES) {
      await sendBlob(pending.subarray(0, SNAPSHOT_CHUNK_BYTES));
      pending = pending.subarray(SNAPSHOT_CHUNK_BYTES);
    }
  }
  if (pending.length > 0) await sendBlob(pending);
  if (sent !== size) throw new Error(`snapshot: sent ${sent} bytes, expected ${size}`);
  await out.send({ header: undefined, remaining_bytes: 0n, blob: sha.digest() });
}
