// A typed etcd v3 client over grpc-js with endpoint failover, TLS and auth tokens: used by
// tetcdctl, the backup tool, tests and benchmarks. It talks to any etcd v3 endpoint, tetcd or etcd.
import { randomUUID } from 'node:crypto';
import { Client, credentials, Metadata, status, type ChannelCredentials, type ClientDuplexStream, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { AuthService, ClusterService, KVService, LeaseService, MaintenanceService, WatchService } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { ElectionService } from '../proto/etcdserver/api/v3election/v3electionpb/v3election.js';
import { LockService } from '../proto/etcdserver/api/v3lock/v3lockpb/v3lock.js';

export interface V3ClientOptions {
  /** host:port or http(s)://host:port, as etcdctl's --endpoints. */
  endpoints: string[];
  dialTimeoutMs?: number;
  /** Deadline of each unary call unless the caller gives one. */
  commandTimeoutMs?: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** Channel credentials; insecure unless given (or an endpoint is https://). */
  credentials?: ChannelCredentials;
  /** Authenticate with these and send the token with every call. */
  username?: string;
  password?: string;
  /**
   * Receives clientv3's zap warning line for every failed unary attempt
   * ("retrying of unary invoker failed"), which etcdctl prints on stderr.
   */
  warn?: (line: string) => void;
}

/** Go's names of gRPC status codes, as `rpc error: code = X desc = ...` shows them. */
const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

const DEFAULT_DIAL_TIMEOUT_MS = 2000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
const MIN_KEEPALIVE_TIME_MS = 10_000;

/** The services tetcd and etcd serve, by the short names the client uses. */
export const Services = {
  kv: KVService,
  watch: WatchService,
  lease: LeaseService,
  cluster: ClusterService,
  maintenance: MaintenanceService,
  auth: AuthService,
  election: ElectionService,
  lock: LockService,
} as const;

type Svc = typeof Services;
export type ServiceName = keyof Svc;
type MethodDef = { path: string; requestSerialize: (v: never) => Buffer; responseDeserialize: (b: Buffer) => unknown };
type Req<S extends ServiceName, M extends keyof Svc[S]> = Svc[S][M] extends { requestSerialize: (v: infer R) => Buffer } ? R : never;
type Resp<S extends ServiceName, M extends keyof Svc[S]> = Svc[S][M] extends { responseDeserialize: (b: Buffer) => infer R } ? R : never;

/** Strips the scheme etcdctl accepts in --endpoints; grpc-js wants host:port. */
export function endpointAddress(ep: string): string {
  return ep.replace(/^(https?|unix|unixs):\/\//, '').replace(/\/+$/, '');
}

/** A client-side failure that is not an etcd error answer (no endpoint reachable in time). */
export class DeadlineError extends Error {
  constructor() {
    super('context deadline exceeded');
  }
}

export interface CallOptions {
  /** Absolute deadline; default: now + commandTimeoutMs. */
  deadline?: Date;
  /** Call exactly this endpoint (index into endpoints), no failover. */
  endpoint?: number;
}

export class V3Client {
  readonly endpoints: readonly string[];
  private readonly channels: Client[];
  private current = 0;
  private readonly commandTimeoutMs: number;
  private readonly dialTimeoutMs: number;
  private token: string | undefined;
  private readonly auth: { username: string; password: string } | undefined;
  private readonly warn: ((line: string) => void) | undefined;
  /** clientv3's resolver target, shown in its warning lines. */
  private readonly target: string;

  constructor(opts: V3ClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('no endpoints given');
    this.endpoints = opts.endpoints;
    const chOpts: Record<string, number> = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500, 'grpc.max_receive_message_length': -1 };
    // grpc-go raises a keepalive interval below 10s to 10s; etcd answers faster pings with GOAWAY.
    if (opts.keepaliveTimeMs) chOpts['grpc.keepalive_time_ms'] = Math.max(opts.keepaliveTimeMs, MIN_KEEPALIVE_TIME_MS);
    if (opts.keepaliveTimeoutMs) chOpts['grpc.keepalive_timeout_ms'] = opts.keepaliveTimeoutMs;
    this.channels = opts.endpoints.map((ep) => {
      const creds = opts.credentials ?? (ep.startsWith('https://') ? credentials.createSsl() : credentials.createInsecure());
      return new Client(endpointAddress(ep), creds, chOpts);
    });
    this.commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.warn = opts.warn;
    this.target = `endpoint://client-${randomUUID()}/${endpointAddress(opts.endpoints[0]!)}`;
    this.auth = opts.username !== undefined ? { username: opts.username, password: opts.password ?? '' } : undefined;
  }

  /**
   * Gets an auth token when a user is configured (clientv3.New does this within the dial
   * timeout). Connections themselves are made lazily: calls wait for them until their deadline.
   */
  async dial(): Promise<void> {
    if (this.auth) await this.authenticate(new Date(Date.now() + this.dialTimeoutMs));
  }

  private async authenticate(deadline?: Date): Promise<void> {
    const resp = await this.unary('auth', 'authenticate', { name: this.auth!.username, password: this.auth!.password }, { deadline }, false);
    this.token = resp.token;
  }

  private metadata(waitForReady = false): Metadata {
    const md = new Metadata({ waitForReady });
    if (this.token) md.set('token', this.token);
    return md;
  }

  /** One unary call, failing over to the next endpoint while endpoints are unreachable. */
  async unary<S extends ServiceName, M extends keyof Svc[S] & string>(service: S, method: M, req: Req<S, M>, opts: CallOptions = {}, retryAuth = true): Promise<Resp<S, M>> {
    try {
      return await this.unaryWithFailover(service, method, req, opts, retryAuth);
    } catch (err) {
      this.logFailure(err as ServiceError);
      throw err;
    }
  }

  private logFailure(err: ServiceError): void {
    if (!this.warn || typeof err.code !== 'number') return;
    const desc = err.code === status.DEADLINE_EXCEEDED ? 'context deadline exceeded' : err.details;
    const line = {
      level: 'warn',
      ts: new Date().toISOString(),
      caller: 'clientv3/retry_interceptor.go:62',
      msg: 'retrying of unary invoker failed',
      target: this.target,
      attempt: 0,
      error: `rpc error: code = ${CODE_NAMES[err.code] ?? err.code} desc = ${desc}`,
    };
    this.warn(JSON.stringify(line) + '\n');
  }

  private async unaryWithFailover<S extends ServiceName, M extends keyof Svc[S] & string>(service: S, method: M, req: Req<S, M>, opts: CallOptions, retryAuth: boolean): Promise<Resp<S, M>> {
    const def = Services[service][method] as unknown as MethodDef;
    const deadline = opts.deadline ?? new Date(Date.now() + this.commandTimeoutMs);
    let lastErr: ServiceError | undefined;
    const tries = opts.endpoint !== undefined ? 1 : this.channels.length;
    for (let i = 0; i < tries; i++) {
      const idx = opts.endpoint ?? this.current;
      const ch = this.channels[idx]!;
      try {
        return await new Promise<Resp<S, M>>((resolve, reject) => {
          ch.makeUnaryRequest(def.path, def.requestSerialize as (v: unknown) => Buffer, def.responseDeserialize, req, this.metadata(tries === 1), { deadline }, (err, resp) =>
            err ? reject(err) : resolve(resp as Resp<S, M>),
          );
        });
      } catch (err) {
        lastErr = err as ServiceError;
        if (retryAuth && this.auth && lastErr.details === 'etcdserver: invalid auth token') {
          await this.authenticate();
          return this.unaryWithFailover(service, method, req, opts, false);
        }
        if (lastErr.code !== status.UNAVAILABLE) throw lastErr;
        if (opts.endpoint === undefined) this.current = (this.current + 1) % this.channels.length;
      }
    }
    if (Date.now() < deadline.getTime() && opts.endpoint === undefined) {
      // Every endpoint refused: wait for one to come back, as grpc's balancer does, until the deadline.
      const idx = this.current;
      return new Promise<Resp<S, M>>((resolve, reject) => {
        this.channels[idx]!.makeUnaryRequest(def.path, def.requestSerialize as (v: unknown) => Buffer, def.responseDeserialize, req, this.metadata(true), { deadline }, (err, resp) =>
          err ? reject(err) : resolve(resp as Resp<S, M>),
        );
      });
    }
    throw lastErr!;
  }

  /** A bidirectional stream on the current endpoint (watch, lease keep-alive). */
  duplex<S extends ServiceName, M extends keyof Svc[S] & string>(service: S, method: M): ClientDuplexStream<Req<S, M>, Resp<S, M>> {
    const def = Services[service][method] as unknown as MethodDef;
    return this.channels[this.current]!.makeBidiStreamRequest(def.path, def.requestSerialize as (v: unknown) => Buffer, def.responseDeserialize, this.metadata(), {}) as ClientDuplexStream<
      Req<S, M>,
      Resp<S, M>
    >;
  }

  /** A server stream (snapshot, election observe) on the current endpoint or a given one. */
  serverStream<S extends ServiceName, M extends keyof Svc[S] & string>(service: S, method: M, req: Req<S, M>, opts: CallOptions = {}): ClientReadableStream<Resp<S, M>> {
    const def = Services[service][method] as unknown as MethodDef;
    const ch = this.channels[opts.endpoint ?? this.current]!;
    return ch.makeServerStreamRequest(def.path, def.requestSerialize as (v: unknown) => Buffer, def.responseDeserialize, req, this.metadata(), opts.deadline ? { deadline: opts.deadline } : {}) as ClientReadableStream<
      Resp<S, M>
    >;
  }

  close(): void {
    for (const ch of this.channels) ch.close();
  }
}

/** The text etcdctl shows for a failed call: etcd's error description, or Go's context errors. */
export function errorText(err: unknown): string {
  if (err instanceof DeadlineError) return err.message;
  const e = err as Partial<ServiceError> & { message: string };
  if (e.code === status.DEADLINE_EXCEEDED) return 'context deadline exceeded';
  if (e.code === status.CANCELLED) return 'context canceled';
  if (e.code === status.UNAVAILABLE && !e.details?.startsWith('etcdserver:')) return 'context deadline exceeded';
  return e.details ?? e.message;
}
