// Transport-neutral RPC methods. Each service is written once against these shapes; grpc/bind.ts
// serves them over gRPC and http/gateway.ts over etcd's /v3 JSON gateway, so both transports
// share the same handler code.

/** What ts-proto generates for every message. */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** The call as a handler sees it: aborted when the client goes away or the call ends. */
export interface CallContext {
  readonly signal: AbortSignal;
}

/** The sending half of a streaming call. */
export interface StreamOut<T> {
  /** Queues a message; resolves once the transport has taken it (for backpressure accounting). */
  send(message: T): Promise<void>;
  /** Ends the call with an error status. */
  fail(err: unknown): void;
  /** Ends the call successfully. */
  end(): void;
}

/** One open bidirectional call. */
export interface BidiSession<Req> {
  message(req: Req): void;
  /** The client half-closed its side; the response side may go on (etcd's watch does). */
  halfClose(): void;
  /** The call is over (client gone or ended): release everything. */
  close(): void;
}

interface MethodBase<Req, Res> {
  /** gRPC path, e.g. "/etcdserverpb.KV/Range". */
  readonly path: string;
  readonly req: MessageType<Req>;
  readonly res: MessageType<Res>;
}

export interface UnaryMethod<Req, Res> extends MethodBase<Req, Res> {
  readonly kind: 'unary';
  handle(req: Req, ctx: CallContext): Promise<Res>;
}

export interface ServerStreamMethod<Req, Res> extends MethodBase<Req, Res> {
  readonly kind: 'serverStream';
  /** Sends responses through `out`; the call ends when the promise settles. */
  handle(req: Req, out: StreamOut<Res>, ctx: CallContext): Promise<void>;
}

export interface BidiMethod<Req, Res> extends MethodBase<Req, Res> {
  readonly kind: 'bidi';
  open(out: StreamOut<Res>, ctx: CallContext): BidiSession<Req>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMethod = UnaryMethod<any, any> | ServerStreamMethod<any, any> | BidiMethod<any, any>;

/** ts-proto's grpc-js service definition: method key -> path and (de)serializers. */
export type ServiceDefinition = Record<string, { path: string; requestStream: boolean; responseStream: boolean }>;

/** A service ready to be served on both transports. */
export interface Service {
  readonly definition: ServiceDefinition;
  /** Implemented methods by gRPC path; a missing one answers UNIMPLEMENTED. */
  readonly methods: ReadonlyMap<string, AnyMethod>;
}

export function unary<Req, Res>(
  path: string,
  req: MessageType<Req>,
  res: MessageType<Res>,
  handle: (req: Req, ctx: CallContext) => Promise<Res>,
): UnaryMethod<Req, Res> {
  return { kind: 'unary', path, req, res, handle };
}

export function serverStream<Req, Res>(
  path: string,
  req: MessageType<Req>,
  res: MessageType<Res>,
  handle: (req: Req, out: StreamOut<Res>, ctx: CallContext) => Promise<void>,
): ServerStreamMethod<Req, Res> {
  return { kind: 'serverStream', path, req, res, handle };
}

export function bidi<Req, Res>(
  path: string,
  req: MessageType<Req>,
  res: MessageType<Res>,
  open: (out: StreamOut<Res>, ctx: CallContext) => BidiSession<Req>,
): BidiMethod<Req, Res> {
  return { kind: 'bidi', path, req, res, open };
}

export function service(definition: ServiceDefinition, methods: AnyMethod[]): Service {
  return { definition, methods: new Map(methods.map((m) => [m.path, m])) };
}
