// Serves transport-neutral services (method.ts) over @grpc/grpc-js: status mapping through the
// one error table, cancellation as an AbortSignal, and the grpc_server_* and client byte metrics.
import {
  status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition as GrpcServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { RpcStatusError, toRpcStatus } from '../errors.js';
import type { AnyMethod, BidiSession, CallContext, Service, StreamOut } from '../method.js';
import type { Metrics } from '../metrics.js';
import type { ApiLogger } from '../options.js';
import { grpcRequestAuth, runWithRequestAuth } from './auth.js';

/** grpc-go's names of the status codes, as grpc_server_handled_total labels them. */
const CODE_NAMES: Record<number, string> = {
  [status.OK]: 'OK',
  [status.CANCELLED]: 'Canceled',
  [status.UNKNOWN]: 'Unknown',
  [status.INVALID_ARGUMENT]: 'InvalidArgument',
  [status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [status.NOT_FOUND]: 'NotFound',
  [status.ALREADY_EXISTS]: 'AlreadyExists',
  [status.PERMISSION_DENIED]: 'PermissionDenied',
  [status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [status.ABORTED]: 'Aborted',
  [status.OUT_OF_RANGE]: 'OutOfRange',
  [status.UNIMPLEMENTED]: 'Unimplemented',
  [status.INTERNAL]: 'Internal',
  [status.UNAVAILABLE]: 'Unavailable',
  [status.DATA_LOSS]: 'DataLoss',
  [status.UNAUTHENTICATED]: 'Unauthenticated',
};

const GRPC_TYPES = { unary: 'unary', serverStream: 'server_stream', bidi: 'bidi_stream' } as const;

export interface BoundService {
  definition: GrpcServiceDefinition;
  implementation: UntypedServiceImplementation;
}

type GrpcMethodDefinition = GrpcServiceDefinition[string];

/**
 * A request over --max-request-bytes + the gRPC overhead. grpc-js is given a higher hard limit
 * so that such a request reaches us and is refused with grpc-go's exact status text, which
 * clients and scripts match on (grpc-js words it differently).
 */
class TooLarge {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {}

  error(): RpcStatusError {
    return new RpcStatusError(status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${this.size} vs. ${this.limit})`);
  }
}

export function bindService(svc: Service, metrics: Metrics, logger: ApiLogger, maxRecvBytes = Infinity): BoundService {
  const definition: Record<string, GrpcMethodDefinition> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(svc.definition as unknown as GrpcServiceDefinition)) {
    definition[name] = countBytes(def, metrics, maxRecvBytes);
    const method = svc.methods.get(def.path);
    if (method !== undefined) implementation[name] = bindMethod(method, metrics, logger);
  }
  return { definition, implementation };
}

/** Wraps the (de)serializers so every message's wire size is counted. */
function countBytes(def: GrpcMethodDefinition, metrics: Metrics, maxRecvBytes: number): GrpcMethodDefinition {
  return {
    ...def,
    requestDeserialize: (buf: Buffer) => {
      metrics.grpcReceivedBytes.inc(buf.length);
      if (buf.length > maxRecvBytes) return new TooLarge(buf.length, maxRecvBytes);
      return def.requestDeserialize(buf);
    },
    responseSerialize: (value: unknown) => {
      const buf = def.responseSerialize(value);
      metrics.grpcSentBytes.inc(buf.length);
      return buf;
    },
  };
}

function bindMethod(method: AnyMethod, metrics: Metrics, logger: ApiLogger): UntypedHandleCall {
  const [, svcName = '', methodName = ''] = method.path.split('/');
  const labels = { grpc_type: GRPC_TYPES[method.kind], grpc_service: svcName, grpc_method: methodName };
  // label-bound children, made once: prom-client validates labels on every inc() otherwise
  const startedChild = metrics.grpcStarted.labels(labels);
  const handledChildren = new Map<status, { inc(): void }>();
  const started = () => startedChild.inc();
  const handled = (code: status) => {
    let child = handledChildren.get(code);
    if (child === undefined) {
      child = metrics.grpcHandled.labels({ ...labels, grpc_code: CODE_NAMES[code] ?? String(code) });
      handledChildren.set(code, child);
    }
    child.inc();
  };

  switch (method.kind) {
    case 'unary':
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        started();
        const handling = call.request instanceof TooLarge ? Promise.reject(call.request.error()) : runWithRequestAuth(grpcRequestAuth(call), () => method.handle(call.request, callContext(call)));
        handling.then(
          (res) => {
            handled(status.OK);
            callback(null, res);
          },
          (err) => {
            const s = toRpcStatus(err, logger);
            handled(s.code);
            callback({ code: s.code, details: s.message });
          },
        );
      };
    case 'serverStream':
      return (call: ServerWritableStream<unknown, unknown>) => {
        started();
        const out = streamOut(call, handled, logger, () => {});
        const handling = call.request instanceof TooLarge ? Promise.reject(call.request.error()) : runWithRequestAuth(grpcRequestAuth(call), () => method.handle(call.request, out, callContext(call)));
        handling.then(
          () => out.end(),
          (err) => out.fail(err),
        );
      };
    case 'bidi':
      return (call: ServerDuplexStream<unknown, unknown>) => {
        started();
        let session: BidiSession<unknown> | undefined;
        const out = streamOut(call, handled, logger, () => session?.close());
        // the stream's credentials are those it was opened with, as etcd reads them from the stream context
        const auth = grpcRequestAuth(call);
        session = runWithRequestAuth(auth, () => method.open(out, callContext(call)));
        const s = session;
        call.on('data', (req: unknown) => (req instanceof TooLarge ? out.fail(req.error()) : runWithRequestAuth(auth, () => s.message(req))));
        call.on('end', () => s.halfClose());
        call.on('cancelled', () => s.close());
        call.on('close', () => s.close());
      };
  }
}

/**
 * The call's cancellation as an AbortSignal, made only for handlers that ask for it (lock,
 * election, snapshot): grpc-js reports 'cancelled' at the end of ordinary calls too, and an
 * AbortController per call (with the DOMException of its abort) is a measurable share of a put.
 */
function callContext(call: { on(event: 'cancelled', l: () => void): unknown }): CallContext {
  let ac: AbortController | undefined;
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
    ac?.abort();
  });
  return {
    get signal(): AbortSignal {
      if (ac === undefined) {
        ac = new AbortController();
        if (cancelled) ac.abort();
      }
      return ac.signal;
    },
  };
}

type WritableCall = ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

function streamOut(call: WritableCall, handled: (code: status) => void, logger: ApiLogger, onDone: () => void): StreamOut<unknown> {
  let done = false;
  call.on('cancelled', () => {
    if (done) return;
    done = true;
    handled(status.CANCELLED);
    onDone();
  });
  return {
    send(message) {
      if (done || call.destroyed || call.writableEnded) return Promise.resolve();
      return new Promise((resolve) => call.write(message, () => resolve()));
    },
    fail(err) {
      if (done) return;
      done = true;
      const s = toRpcStatus(err, logger);
      handled(s.code);
      call.emit('error', { code: s.code, details: s.message });
      onDone();
    },
    end() {
      if (done) return;
      done = true;
      handled(status.OK);
      call.end();
      onDone();
    },
  };
}
