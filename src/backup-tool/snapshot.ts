// The v3 data: Maintenance.Snapshot streamed to a file (the bbolt db with etcd's sha256
// trailer, as `etcdctl snapshot save` writes it), then the figures the manifest records and
// `verify --restore-test` compares: revision, live key count and HashKV at that revision.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { V3Client } from '../client/v3.js';
import { dbStatus } from '../ctl/commands/snapshot.js';
import type { SnapshotResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { startProgress, type Progress } from './progress.js';

const SHA256_SIZE = 32;

export interface SnapshotFigures {
  /** The revision of the newest key in the db. */
  revision: number;
  /** clientv3/snapshot Status hash (CRC-32C over the bolt contents), as `snapshot status` shows. */
  hash: number;
  /** Entries in all buckets, as `snapshot status` TOTAL KEYS shows. */
  totalKeys: number;
  /** Size of the db without the trailer. */
  dbSize: number;
  /** The sha256 trailer, hex. */
  sha256Trailer: string;
}

export interface ClusterFigures {
  /** Keys live at the snapshot revision (a count-only range over the whole keyspace). */
  liveKeys: number;
  /** HashKV at the snapshot revision; null when that revision was compacted meanwhile. */
  hashKV: number | null;
  compactRevision: number | null;
}

export async function saveSnapshot(client: V3Client, path: string): Promise<void> {
  const out = createWriteStream(path, { mode: 0o600 });
  const stream = client.serverStream('maintenance', 'snapshot', {}, { endpoint: 0 });
  let bar: Progress | undefined;
  try {
    for await (const r of stream as AsyncIterable<SnapshotResponse>) {
      // the first message tells the size: its blob plus the bytes still to come
      bar ??= startProgress('snapshot', r.blob.length + Number(r.remaining_bytes));
      bar.advance(r.blob.length);
      if (!out.write(r.blob)) await once(out, 'drain');
    }
  } finally {
    bar?.finish();
    out.end();
    await once(out, 'close');
  }
}

export async function snapshotFigures(path: string): Promise<SnapshotFigures> {
  const s = dbStatus(path);
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const trailer = Buffer.alloc(SHA256_SIZE);
    await fh.read(trailer, 0, SHA256_SIZE, size - SHA256_SIZE);
    return { revision: Number(s.revision), hash: s.hash, totalKeys: s.totalKey, dbSize: size - SHA256_SIZE, sha256Trailer: trailer.toString('hex') };
  } finally {
    await fh.close();
  }
}

const WHOLE_KEYSPACE = Buffer.from([0]);

/** Live keys and HashKV at `revision`, asked of the member the snapshot came from. */
export async function clusterFigures(client: V3Client, revision: number): Promise<ClusterFigures> {
  const rev = BigInt(revision);
  const range = await client.unary('kv', 'range', {
    key: WHOLE_KEYSPACE, range_end: WHOLE_KEYSPACE, limit: 0n, revision: rev, sort_order: 0, sort_target: 0, serializable: false,
    keys_only: false, count_only: true, min_mod_revision: 0n, max_mod_revision: 0n, min_create_revision: 0n, max_create_revision: 0n,
  });
  try {
    const h = await client.unary('maintenance', 'hashKv', { revision: rev });
    return { liveKeys: Number(range.count), hashKV: h.hash, compactRevision: Number(h.compact_revision) };
  } catch {
    // compacted between the snapshot and this call: the manifest says so rather than guess
    return { liveKeys: Number(range.count), hashKV: null, compactRevision: null };
  }
}
