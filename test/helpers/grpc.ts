// Raw gRPC access to a server through the generated grpc-js clients, for requests etcdctl
// cannot express (min/max revision filters, nested txns, exact error codes).
import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  KVClient,
  LeaseClient,
  MaintenanceClient,
  WatchClient,
  type WatchCreateRequest,
  type WatchResponse,
} from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { sleep } from './procs.js';

const DEFAULT_DEADLINE_MS = 10_000;

export interface Clients {
  readonly kv: KVClient;
  readonly lease: LeaseClient;
  readonly watch: WatchClient;
  readonly maintenance: MaintenanceClient;
  close(): void;
}

/** Insecure clients for host:port; close() them when done. */
export function connect(endpoint: string): Clients {
  const creds = credentials.createInsecure();
  const kv = new KVClient(endpoint, creds);
  const lease = new LeaseClient(endpoint, creds);
  const watch = new WatchClient(endpoint, creds);
  const maintenance = new MaintenanceClient(endpoint, creds);
  return {
    kv,
    lease,
    watch,
    maintenance,
    close() {
      for (const c of [kv, lease, watch, maintenance]) c.close();
    },
  };
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Call a unary method with a deadline: `unary(kv, kv.range, req)`. Rejects with the ServiceError. */
export function unary<C, Req, Res>(client: C, method: UnaryMethod<Req, Res>, request: Req, timeoutMs = DEFAULT_DEADLINE_MS): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** What a gRPC call produced, in comparable form: the response, or the status code and message. */
export type Outcome<T> = { readonly ok: T } | { readonly error: { readonly code: number; readonly details: string } };

export async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await p };
  } catch (err) {
    const e = err as Partial<ServiceError>;
    if (typeof e.code !== 'number') throw err;
    return { error: { code: e.code, details: e.details ?? '' } };
  }
}

export interface WatchCollectOptions {
  /** Stop once this holds for the responses so far. */
  readonly until: (responses: readonly WatchResponse[]) => boolean;
  /** Called once the watch is created (or immediately canceled), e.g. to make the writes it should see. */
  readonly afterCreated?: () => Promise<void>;
  readonly timeoutMs?: number;
}

/**
 * Open a Watch stream with one create request and collect responses until `until` holds or
 * the bound passes (then the responses so far are returned; the caller's assertions decide).
 */
export async function watchCollect(
  client: WatchClient,
  create: WatchCreateRequest,
  opts: WatchCollectOptions,
): Promise<WatchResponse[]> {
  const stream = client.watch(new Metadata(), { deadline: Date.now() + (opts.timeoutMs ?? 5_000) + 1_000 });
  const responses: WatchResponse[] = [];
  let ended = false;
  let created = false;
  stream.on('data', (r: WatchResponse) => {
    if (r.created || r.canceled) created = true;
    responses.push(r);
  });
  stream.on('error', () => (ended = true)); // deadline or cancel after we are done
  stream.on('end', () => (ended = true));
  stream.write({ request_union: { $case: 'create_request', value: create } });
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  try {
    while (!created && !ended && Date.now() < deadline) await sleep(10);
    if (created && opts.afterCreated) await opts.afterCreated();
    while (!opts.until(responses) && !ended && Date.now() < deadline) await sleep(10);
  } finally {
    stream.cancel();
  }
  return responses;
}

/** A gRPC message as plain data: Buffers as UTF-8 text, undefined fields dropped, bigints kept. */
export function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x);
    return out;
  }
  return v;
}
