/**
 * The transport's public contract: options given by the member (server/) and
 * the Transport it gets back. Behaviour lives in transport.ts.
 */
import type { ConnectionOptions, SecureContextOptions } from 'node:tls';
import type { Message } from '../raft/index.js';

/** Structured logger in pino's shape: fields first, then etcd's message text. */
export interface TransportLogger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

/** One cluster member as GET /members reports it. */
export interface PeerMember {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}

export interface TransportTls {
  /** For https:// listen URLs. requestCert + rejectUnauthorized is etcd's --peer-client-cert-auth. */
  server?: SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
  /** For dialling https:// peer URLs (ca, cert, key, servername ...). */
  client?: ConnectionOptions;
}

export interface TransportOptions {
  memberId: bigint;
  clusterId: bigint;
  /** http:// URLs, and https:// ones when `tls.server` is given. Port 0 picks a free port. */
  listenPeerUrls: URL[];
  tls?: TransportTls;
  logger: TransportLogger;
  /** Every raft message received from a peer, in the order that peer sent them. */
  onMessage(m: Message): void;
  /**
   * A MsgSnap arrived together with the v3 backend db. The file at dbPath
   * (`<snapDir>/<index %016x>.snap.db`, etcd's name) is complete and fsynced
   * before this is called; the sender learns success when this resolves.
   */
  onSnapshot(m: Message, dbPath: string): Promise<void>;
  snapDir: string;
  /** For GET /members on the peer port (joining members ask it). */
  members(): PeerMember[];
  /**
   * Lease renewals forwarded by followers (POST /leases). Resolves to the new
   * TTL in seconds; an error whose message is etcd's "lease not found" becomes 404.
   */
  onLeaseRenew?(id: bigint): Promise<number>;
  /**
   * Learner promotions forwarded by followers (POST /members/promote/<id>); resolves to the
   * member list. Errors carry etcd's text (mapped to 412/404/408 as etcd does).
   */
  onMemberPromote?(id: bigint): Promise<PeerMember[]>;
}

export interface Transport {
  /** Listens on the peer URLs; resolves with the bound addresses as URLs (port 0 resolved). */
  start(): Promise<{ addresses: string[] }>;
  /** Starts streaming to a peer (idempotent for a known id). */
  addPeer(id: bigint, urls: string[]): void;
  updatePeer(id: bigint, urls: string[]): void;
  /** Stops streaming to a peer; its future streams are refused as etcd refuses removed members (410). */
  removePeer(id: bigint): void;
  /** Queues messages for their peers; never blocks. MsgSnap goes through sendSnapshot instead. */
  send(msgs: Message[]): void;
  /**
   * Streams a MsgSnap and the db file to m.to; emits 'snapshotStatus' when done.
   * `db` is called when the transfer starts; its cleanup runs whatever the outcome.
   */
  sendSnapshot(m: Message, db: () => Promise<{ path: string; size: number; cleanup(): Promise<void> }>): void;
  /** Client side of /members/promote: asks the leader to promote a learner. */
  promoteMember(leaderId: bigint, id: bigint): Promise<PeerMember[]>;
  /** Client side of /leases: asks the leader to renew a lease, resolves to the TTL. */
  renewLease(leaderId: bigint, id: bigint): Promise<number>;
  /** Whether the stream to this peer is up (etcd's ActiveSince != zero). */
  isActive(id: bigint): boolean;
  /** Since when the stream to this peer has been up, undefined when it is not. */
  activeSince(id: bigint): Date | undefined;
  stop(): Promise<void>;
  on(event: 'unreachable', l: (id: bigint) => void): this;
  on(event: 'snapshotStatus', l: (id: bigint, ok: boolean) => void): this;
  /** Peer `by` refused our stream with 410: this member was removed from the cluster and should stop (etcd's errMemberRemoved). */
  on(event: 'removed', l: (by: bigint) => void): this;
}
