export { createTransport } from './transport.js';
export type { PeerMember, Transport, TransportLogger, TransportOptions, TransportTls } from './types.js';
export type { SnapshotDb } from './snapshot-sender.js';
export { fetchMembers, fetchVersion } from './members.js';
export { LeaseNotFoundError, LEASE_NOT_FOUND } from './leases.js';
export { STREAM_BUF_SIZE } from './stream-writer.js';
