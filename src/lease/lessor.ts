// The lessor (etcd's lease/lessor.go) as a deterministic state machine driven by the server.
//
// Replicated state — the leases, their TTLs, checkpointed remaining TTLs and attached keys —
// changes only through grant/revoke/checkpoint/attach/detach, which the server calls while
// applying the raft log, in the same order on every member.
//
// Expiry is local and belongs to the primary (the raft leader, after `promote`): only the
// primary tracks deadlines, reports `expired()` leases (the server then proposes their revokes
// through the log) and accepts renewals. Everywhere else a lease lives "forever", so a member
// never decides on its own that a lease is gone. A new primary restarts every deadline from the
// full (or last checkpointed) TTL plus an extension, as etcd does: a lease can outlive its TTL
// across a leader change, but never dies early.
import {
  ErrLeaseExists,
  ErrLeaseNotFound,
  ErrLeaseTTLTooLarge,
  ErrNotPrimary,
  type LeaseError,
} from './errors.js';
import type { LeaseRecord, LeaseStore } from './lease-record.js';
import { LeaseExpiryQueue, LeaseQueue } from './lease-queue.js';
import {
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_EXPIRED_LIMIT,
  DEFAULT_EXPIRED_RETRY_INTERVAL_MS,
  LEASE_CHECKPOINT_RATE,
  LEASE_REVOKE_RATE,
  MAX_CHECKPOINT_BATCH,
  MAX_LEASE_TTL,
  NO_LEASE,
  type Checkpointer,
  type LeaseCheckpoint,
  type LessorOptions,
} from './lessor-options.js';

/** A lease as callers see it (a copy; changing it changes nothing). */
export interface LeaseInfo {
  readonly id: bigint;
  /** Granted TTL in seconds (raised to the minimum TTL). */
  readonly ttl: number;
  /** Last checkpointed remaining TTL in seconds; 0 when unset. */
  readonly remainingTtl: number;
}

export interface LeaseTimeToLive {
  /** Granted TTL in seconds. */
  ttl: number;
  /** Seconds left, truncated as etcd's `int64(Remaining().Seconds())`. */
  remaining: number;
  /** The attached keys in byte order; empty unless asked for. */
  keys: Buffer[];
}

/** What etcd reports as the remaining TTL of a lease without a deadline (MaxInt64 ns in s). */
const FOREVER_SECONDS = 9_223_372_036;
const MS_PER_S = 1000;

class Lease {
  /** Deadline on the lessor's clock in ms; Infinity unless this lessor is primary. */
  expiry = Infinity;
  /** Attached keys, as latin1 strings (one char per byte, so they sort in byte order). */
  readonly keys = new Set<string>();

  constructor(
    readonly id: bigint,
    readonly ttl: number,
    public remainingTtl: number,
  ) {}

  /** The TTL a new deadline starts from: the checkpointed one if set (etcd's RemainingTTL()). */
  startTtl(): number {
    return this.remainingTtl > 0 ? this.remainingTtl : this.ttl;
  }

  record(): LeaseRecord {
    return { id: this.id, ttl: this.ttl, remainingTtl: this.remainingTtl };
  }

  info(): LeaseInfo {
    return this.record();
  }
}

/** A renewal waiting on an expired lease; it can only end in an error. */
type RenewWaiter = (err: LeaseError) => void;

const keyString = (key: Buffer): string => key.toString('latin1');
const keyBuffer = (s: string): Buffer => Buffer.from(s, 'latin1');

export class Lessor {
  private readonly minTTL: number;
  private readonly now: () => number;
  private readonly store: LeaseStore;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly checkpointIntervalMs: number;
  private readonly checkpointPersist: boolean;
  private readonly expiredRetryIntervalMs: number;

  private readonly leaseMap = new Map<bigint, Lease>();
  /** Which lease each attached key belongs to. */
  private readonly itemMap = new Map<string, bigint>();
  private primary = false;
  private expiryQueue = new LeaseExpiryQueue();
  private checkpointQueue = new LeaseQueue();
  /** Renewals of expired leases, waiting for the revoke (or for losing the primary role). */
  private waiters = new Map<bigint, RenewWaiter[]>();

  constructor(opts: LessorOptions) {
    this.minTTL = opts.minTTL;
    this.now = opts.now;
    this.store = opts.store;
    this.checkpointer = opts.checkpointer;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    this.checkpointPersist = opts.checkpointPersist ?? false;
    this.expiredRetryIntervalMs = opts.expiredRetryIntervalMs ?? DEFAULT_EXPIRED_RETRY_INTERVAL_MS;
    if (!(this.expiredRetryIntervalMs > 0)) throw new RangeError('expiredRetryIntervalMs must be positive');
    if (!(this.checkpointIntervalMs > 0)) throw new RangeError('checkpointIntervalMs must be positive');
  }

  /** Whether this lessor is the primary (the leader's), deciding expiry and accepting renewals. */
  isPrimary(): boolean {
    return this.primary;
  }

  // ---- replicated state: called while applying the log ----

  /**
   * Grants a lease (applied from the log). A TTL below the minimum is raised to it.
   * @throws LeaseError NotFound for ID 0 (as etcd), TTLTooLarge, Exists.
   */
  grant(id: bigint, ttl: number): LeaseInfo {
    if (id === NO_LEASE) throw ErrLeaseNotFound();
    if (ttl > MAX_LEASE_TTL) throw ErrLeaseTTLTooLarge();
    if (this.leaseMap.has(id)) throw ErrLeaseExists();
    const l = new Lease(id, Math.max(ttl, this.minTTL), 0);
    this.store.save(l.record());
    this.leaseMap.set(id, l);
    if (this.primary) {
      this.refresh(l, 0);
      this.scheduleCheckpoint(l);
    }
    return l.info();
  }

  /**
   * Revokes a lease (applied from the log) and returns its keys in byte order. The caller
   * deletes them through mvcc in the same apply, so that every member deletes the same keys in
   * the same order (and their hashes agree).
   * @throws LeaseError NotFound.
   */
  revoke(id: bigint): Buffer[] {
    const l = this.leaseMap.get(id);
    if (!l) throw ErrLeaseNotFound();
    this.store.delete(id);
    this.leaseMap.delete(id);
    this.expiryQueue.unregister(id);
    const keys = [...l.keys].sort();
    for (const k of keys) this.itemMap.delete(k);
    this.settleWaiters(id, ErrLeaseNotFound());
    return keys.map(keyBuffer);
  }

  /**
   * Records a lease's remaining TTL (applied from the log; etcd's Checkpoint). It does not move
   * the current deadline: it is what the next primary starts from. Unknown leases are ignored.
   */
  checkpoint(id: bigint, remainingTtl: number): void {
    const l = this.leaseMap.get(id);
    if (!l) return;
    l.remainingTtl = remainingTtl;
    if (this.checkpointPersist) this.store.save(l.record());
    if (this.primary) this.scheduleCheckpoint(l);
  }

  /**
   * Attaches keys to a lease. A key belongs to one lease: attaching it moves it.
   * @throws LeaseError NotFound.
   */
  attach(id: bigint, keys: readonly Buffer[]): void {
    const l = this.leaseMap.get(id);
    if (!l) throw ErrLeaseNotFound();
    for (const key of keys) {
      const k = keyString(key);
      const prev = this.itemMap.get(k);
      if (prev !== undefined && prev !== id) this.leaseMap.get(prev)?.keys.delete(k);
      l.keys.add(k);
      this.itemMap.set(k, id);
    }
  }

  /**
   * Detaches keys from a lease. Detaching from a lease that no longer exists does nothing and
   * returns false: that is the normal case when mvcc deletes the keys of a lease just revoked.
   */
  detach(id: bigint, keys: readonly Buffer[]): boolean {
    const l = this.leaseMap.get(id);
    if (!l) return false;
    for (const key of keys) {
      const k = keyString(key);
      l.keys.delete(k);
      if (this.itemMap.get(k) === id) this.itemMap.delete(k);
    }
    return true;
  }

  /** Reloads all leases from the store (at start, or after applying a snapshot). */
  recover(): void {
    this.leaseMap.clear();
    this.itemMap.clear();
    this.expiryQueue = new LeaseExpiryQueue();
    this.checkpointQueue = new LeaseQueue();
    this.rejectAllWaiters(ErrNotPrimary());
    for (const r of this.store.loadAll()) {
      const l = new Lease(r.id, Math.max(r.ttl, this.minTTL), r.remainingTtl);
      this.leaseMap.set(l.id, l);
      // etcd recovers every lease as "forever" and relies on a later Promote; a primary that
      // recovers must not hold leases that can never expire.
      if (this.primary) {
        this.refresh(l, 0);
        this.scheduleCheckpoint(l);
      }
    }
  }

  // ---- reads ----

  lookup(id: bigint): LeaseInfo | undefined {
    return this.leaseMap.get(id)?.info();
  }

  exists(id: bigint): boolean {
    return this.leaseMap.has(id);
  }

  /** All leases, ordered by ID. */
  leases(): LeaseInfo[] {
    return [...this.leaseMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((l) => l.info());
  }

  /** The lease a key is attached to, or NO_LEASE (0n). */
  getLease(key: Buffer): bigint {
    return this.itemMap.get(keyString(key)) ?? NO_LEASE;
  }

  /**
   * Granted and remaining TTL of a lease, and its keys if asked. Meaningful on the primary; on
   * any other member a lease has no deadline and reports etcd's "forever" value.
   * @throws LeaseError NotFound.
   */
  timeToLive(id: bigint, withKeys = false): LeaseTimeToLive {
    const l = this.leaseMap.get(id);
    if (!l) throw ErrLeaseNotFound();
    const remaining = l.expiry === Infinity ? FOREVER_SECONDS : Math.trunc((l.expiry - this.now()) / MS_PER_S);
    return { ttl: l.ttl, remaining, keys: withKeys ? [...l.keys].sort().map(keyBuffer) : [] };
  }

  // ---- primary only: local decisions, never applied from the log ----

  /**
   * Renews a lease to its full TTL and returns that TTL. A lease already past its deadline is
   * waiting to be revoked: as etcd, the answer then waits for the revoke (NotFound) or for this
   * lessor to stop being primary (NotPrimary, so the client retries on the new leader).
   * @throws LeaseError NotPrimary, NotFound (as a rejected promise).
   */
  renew(id: bigint): Promise<number> {
    if (!this.primary) return Promise.reject(ErrNotPrimary());
    const l = this.leaseMap.get(id);
    if (!l) return Promise.reject(ErrLeaseNotFound());
    if (l.expiry <= this.now()) {
      return new Promise((_resolve, reject) => {
        const list = this.waiters.get(id) ?? [];
        list.push(reject);
        this.waiters.set(id, list);
      });
    }
    // A renewed lease must not fall back to an old checkpoint on the next leader: clear it
    // through the log (only when set, so at most two entries per lease per interval, as etcd).
    if (this.checkpointer && l.remainingTtl > 0) this.checkpointer([{ id, remainingTtl: 0 }]);
    l.expiry = this.now() + l.ttl * MS_PER_S;
    this.expiryQueue.registerOrUpdate(id, l.expiry);
    return Promise.resolve(l.ttl);
  }

  /**
   * Makes this lessor primary (the member became leader and applied its term's first entry).
   * Every deadline restarts at now + extend + TTL (the checkpointed one if set); with many
   * leases, deadlines that would bunch up are spread out so that expiry stays within etcd's
   * revoke rate, as etcd's Promote does.
   */
  promote(extendMs: number): void {
    // Renewals left waiting from an earlier term cannot be answered by this one.
    this.rejectAllWaiters(ErrNotPrimary());
    this.primary = true;
    for (const l of this.leaseMap.values()) l.expiry = this.now() + extendMs + l.startTtl() * MS_PER_S;
    if (this.leaseMap.size >= LEASE_REVOKE_RATE) this.spreadExpiries(extendMs);
    this.expiryQueue = new LeaseExpiryQueue();
    this.checkpointQueue = new LeaseQueue();
    for (const l of this.leaseMap.values()) {
      this.expiryQueue.registerOrUpdate(l.id, l.expiry);
      this.scheduleCheckpoint(l);
    }
  }

  /** Stops being primary: no deadlines, no expiry decisions, renewals refused. */
  demote(): void {
    this.primary = false;
    for (const l of this.leaseMap.values()) l.expiry = Infinity;
    this.expiryQueue = new LeaseExpiryQueue();
    this.checkpointQueue = new LeaseQueue();
    this.rejectAllWaiters(ErrNotPrimary());
  }

  /** Demotes and answers every waiting renewal (etcd's Stop). */
  stop(): void {
    this.demote();
  }

  /**
   * Leases past their deadline, for the server to revoke through the log: at most `limit` per
   * call (the server polls every 500 ms, within etcd's revoke rate). A lease reported here is
   * not reported again for `expiredRetryIntervalMs`, so a revoke in flight is not proposed twice
   * but a lost one is retried. Empty unless primary.
   */
  expired(limit = DEFAULT_EXPIRED_LIMIT): bigint[] {
    if (!this.primary) return [];
    const now = this.now();
    const out: bigint[] = [];
    // Every step moves an entry past `now`, so this visits each lease at most once.
    while (out.length < limit) {
      const item = this.expiryQueue.peek();
      if (!item || item.time > now) break;
      this.expiryQueue.registerOrUpdate(item.id, now + this.expiredRetryIntervalMs);
      const l = this.leaseMap.get(item.id);
      if (l && l.expiry <= now) out.push(item.id);
    }
    return out;
  }

  /**
   * Hands due checkpoints to the checkpointer, in batches, within etcd's checkpoint rate. The
   * server calls this periodically (etcd: every 500 ms). Does nothing unless checkpointing is on
   * and this lessor is primary.
   */
  checkpointScheduledLeases(): void {
    if (!this.checkpointer || !this.primary) return;
    for (let i = 0; i < LEASE_CHECKPOINT_RATE / 2; i++) {
      const cps = this.dueCheckpoints(MAX_CHECKPOINT_BATCH);
      if (cps.length > 0) this.checkpointer(cps);
      if (cps.length < MAX_CHECKPOINT_BATCH) return;
    }
  }

  // ---- internals ----

  private refresh(l: Lease, extendMs: number): void {
    l.expiry = this.now() + extendMs + l.startTtl() * MS_PER_S;
    this.expiryQueue.registerOrUpdate(l.id, l.expiry);
  }

  /**
   * etcd's pile-up avoidance: walking leases by deadline, once more than 3/4 of the revoke rate
   * would expire within one second, later ones are pushed back so that at most that many expire
   * per second; a lease already further out is pushed back by less.
   */
  private spreadExpiries(extendMs: number): void {
    const now = this.now();
    const leases = [...this.leaseMap.values()].sort((a, b) => a.expiry - b.expiry || (a.id < b.id ? -1 : 1));
    const targetPerSecond = (3 * LEASE_REVOKE_RATE) / 4;
    let baseWindow = leases[0]!.expiry - now;
    let nextWindow = baseWindow + MS_PER_S;
    let expires = 0;
    for (const l of leases) {
      const remaining = l.expiry - now;
      if (remaining > nextWindow) {
        baseWindow = remaining;
        nextWindow = baseWindow + MS_PER_S;
        expires = 1;
        continue;
      }
      expires++;
      if (expires <= targetPerSecond) continue;
      const delay = Math.trunc(MS_PER_S * (expires / targetPerSecond) - (remaining - baseWindow));
      nextWindow = baseWindow + delay;
      l.expiry = now + delay + extendMs + l.startTtl() * MS_PER_S;
    }
  }

  private scheduleCheckpoint(l: Lease): void {
    if (!this.checkpointer) return;
    if (l.startTtl() > Math.trunc(this.checkpointIntervalMs / MS_PER_S)) {
      this.checkpointQueue.push({ id: l.id, time: this.now() + this.checkpointIntervalMs });
    }
  }

  private dueCheckpoints(limit: number): LeaseCheckpoint[] {
    const now = this.now();
    const cps: LeaseCheckpoint[] = [];
    while (cps.length < limit) {
      const top = this.checkpointQueue.peek();
      if (!top || top.time > now) break;
      this.checkpointQueue.pop();
      const l = this.leaseMap.get(top.id);
      if (!l || now >= l.expiry) continue;
      const remainingTtl = Math.ceil((l.expiry - now) / MS_PER_S);
      // Nothing to record while the lease still has its full TTL.
      if (remainingTtl >= l.ttl) continue;
      cps.push({ id: l.id, remainingTtl });
    }
    return cps;
  }

  private settleWaiters(id: bigint, err: LeaseError): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const reject of list) reject(err);
  }

  private rejectAllWaiters(err: LeaseError): void {
    const all = this.waiters;
    this.waiters = new Map();
    for (const list of all.values()) for (const reject of list) reject(err);
  }
}
