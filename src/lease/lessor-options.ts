// The lessor's configuration, defaults and etcd's limits (lease/lessor.go,
// etcdserver/server.go), apart from the code that runs.
import type { LeaseStore } from './lease-record.js';

/** etcd's MaxLeaseTTL, in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** The ID that means "no lease" (etcd's NoLease). */
export const NO_LEASE = 0n;

/** etcd's leaseRevokeRate: leases revoked per second at most. */
export const LEASE_REVOKE_RATE = 1000;

/** Leases handed out per `expired()` call: the server polls every 500 ms, as etcd's run loop. */
export const DEFAULT_EXPIRED_LIMIT = LEASE_REVOKE_RATE / 2;

/** etcd's leaseCheckpointRate and maxLeaseCheckpointBatchSize. */
export const LEASE_CHECKPOINT_RATE = 1000;
export const MAX_CHECKPOINT_BATCH = 1000;

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60 * 1000;
export const DEFAULT_EXPIRED_RETRY_INTERVAL_MS = 3000;

/** A lease's remaining TTL to record in the log (etcd's pb.LeaseCheckpoint). */
export interface LeaseCheckpoint {
  id: bigint;
  /** Seconds; 0 clears the checkpoint. */
  remainingTtl: number;
}

/**
 * Proposes checkpoints to the raft log (etcd's Checkpointer). The lessor never applies them
 * itself: they come back through `Lessor.checkpoint()` when applied, on every member. Errors are
 * the proposer's to handle; a lost checkpoint only means a new leader uses an older value.
 */
export type Checkpointer = (checkpoints: LeaseCheckpoint[]) => void;

export interface LessorOptions {
  /** Minimum TTL in seconds; shorter grants are raised to it. See `minLeaseTtl()`. */
  minTTL: number;
  /** The clock, in milliseconds. Only the leader's expiry decisions read it. */
  now: () => number;
  store: LeaseStore;
  /**
   * Enables lease checkpointing (etcd's --experimental-enable-lease-checkpoint): the leader
   * periodically records remaining TTLs in the log so a new leader does not restart them.
   */
  checkpointer?: Checkpointer;
  /** How often a lease's remaining TTL is checkpointed (etcd: 5 minutes). */
  checkpointIntervalMs?: number;
  /**
   * Also persist checkpointed remaining TTLs, so they survive a restart
   * (etcd's --experimental-enable-lease-checkpoint-persist).
   */
  checkpointPersist?: boolean;
  /** After reporting a lease expired, wait this long before reporting it again (etcd: 3 s). */
  expiredRetryIntervalMs?: number;
}

/**
 * etcd's minimum lease TTL: one and a half election timeouts, rounded up to whole seconds
 * (`(3*ElectionTicks)/2 * heartbeat`, with the integer division on ticks that etcd does).
 */
export function minLeaseTtl(electionMs: number, heartbeatMs: number): number {
  const electionTicks = Math.floor(electionMs / heartbeatMs);
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * heartbeatMs) / 1000);
}
