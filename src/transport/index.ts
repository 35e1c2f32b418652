/**
 * The peer transport: member-to-member traffic on the peer URLs, in the shape
 * of etcd's rafthttp (not wire-compatible with it; tetcd members talk to
 * tetcd members).
 *
 *   const t = createTransport({ memberId, clusterId, listenPeerUrls, logger, onMessage, onSnapshot, snapDir, members });
 *   await t.start();
 *   t.addPeer(2n, ['http://10.0.0.2:2380']);
 *   t.on('unreachable', (id) => node.reportUnreachable(id));
 *   t.on('snapshotStatus', (id, ok) => node.reportSnapshot(id, ok));
 *   t.send(ready.messages.filter((m) => m.type !== MessageType.MsgSnap));
 *   t.sendSnapshot(msgSnap, async () => ({ path, size, cleanup }));
 *
 * Wire: POST /raft/stream/message/<from hex> (one long-lived request per peer,
 * length-prefixed raftpb.Message frames), POST /raft/snapshot (frame + db +
 * sha256), POST /leases (protobuf), GET /members, GET /version.
 */
export { createTransport } from './transport.js';
export type { PeerMember, Transport, TransportLogger, TransportOptions, TransportTls } from './types.js';
export type { SnapshotDb } from './snapshot-sender.js';
export { fetchMembers, fetchVersion } from './members.js';
export { LeaseNotFoundError, LEASE_NOT_FOUND } from './leases.js';
export { PromoteRefusedError } from './promote.js';
export { STREAM_BUF_SIZE } from './stream-writer.js';
