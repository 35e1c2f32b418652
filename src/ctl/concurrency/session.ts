// A lease kept alive for as long as its holder lives (clientv3/concurrency Session): the lock
// and election keys are attached to it, so they vanish when the process dies or is partitioned.
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';

type KeepAliveStream = ClientDuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>;

/** clientv3/concurrency's defaultSessionTTL, in seconds. */
export const DEFAULT_SESSION_TTL = 60;
/** Pause before reopening a failed keep-alive stream. */
const RETRY_MS = 500;

export interface SessionOptions {
  /** Lease TTL in seconds; values <= 0 keep the default (WithTTL). */
  readonly ttl?: number;
}

export class Session {
  /** Resolves when the lease is no longer kept alive: expired, revoked, unreachable or orphaned. */
  readonly done: Promise<void>;
  private finish!: () => void;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private stream: KeepAliveStream | undefined;
  /** When the lease expires unless a keep-alive answer extends it (ms since epoch). */
  private deadline: number;

  private constructor(
    readonly client: V3Client,
    readonly lease: bigint,
    readonly ttl: number,
  ) {
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
    this.deadline = Date.now() + ttl * 1000;
    this.openStream();
  }

  /** Grants a lease of `ttl` seconds and starts keeping it alive (NewSession). */
  static async create(client: V3Client, opts: SessionOptions = {}): Promise<Session> {
    const ttl = opts.ttl !== undefined && opts.ttl > 0 ? opts.ttl : DEFAULT_SESSION_TTL;
    const resp = await client.unary('lease', 'leaseGrant', { TTL: BigInt(ttl), ID: 0n });
    return new Session(client, resp.ID, ttl);
  }

  /** Stops the keep-alives without revoking: the lease lives out its TTL (Orphan). */
  orphan(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.cancel();
    this.finish();
  }

  /** Stops the keep-alives and revokes the lease, deleting every key attached to it (Close). */
  async close(): Promise<void> {
    this.orphan();
    // If revoking takes longer than the TTL, the lease has expired anyway.
    await this.client.unary('lease', 'leaseRevoke', { ID: this.lease }, { deadline: new Date(Date.now() + this.ttl * 1000) });
  }

  /** One keep-alive stream: a request now, the next a third of the TTL after each answer (as clientv3). */
  private openStream(): void {
    if (this.stopped) return;
    const stream = this.client.duplex('lease', 'leaseKeepAlive');
    this.stream = stream;
    stream.on('data', (r: LeaseKeepAliveResponse) => {
      if (r.TTL <= 0n) return this.orphan();
      this.deadline = Date.now() + Number(r.TTL) * 1000;
      this.timer = setTimeout(() => stream.write({ ID: this.lease }), (Number(r.TTL) * 1000) / 3);
    });
    stream.on('error', () => this.retry(stream));
    stream.on('end', () => this.retry(stream));
    stream.write({ ID: this.lease });
  }

  /** clientv3 reopens a broken keep-alive stream until the lease's own deadline passes. */
  private retry(stream: KeepAliveStream): void {
    if (this.stopped || stream !== this.stream) return;
    clearTimeout(this.timer);
    this.stream = undefined;
    if (Date.now() >= this.deadline) return this.orphan();
    this.timer = setTimeout(() => this.openStream(), RETRY_MS);
  }
}
