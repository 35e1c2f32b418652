// The client listeners of a member, like etcd's embed/serve.go: one TCP listener per client URL,
// each connection sniffed and handed to the gRPC server (HTTP/2) or the HTTP/1.1 server (etcd's
// /version, /health, /metrics and the /v3 gateway). `serveConnection` is the seam for TLS: a
// TLS listener hands it the decrypted socket after its handshake (ALPN h2 can skip the sniff).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as GrpcServer, ServerCredentials, type ConnectionInjector } from '@grpc/grpc-js';
import type { MemberServer } from '../server/types.js';
import { bindService } from './grpc/bind.js';
import { clientServices } from './grpc/services.js';
import { Gateway } from './http/gateway.js';
import { createHttpHandler } from './http/handler.js';
import { Metrics } from './metrics.js';
import { DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS, GRPC_OVERHEAD_BYTES, type ApiOptions } from './options.js';
import { sniffProtocol } from './sniff.js';

export interface ClientListeners {
  /** The bound addresses, `host:port` per URL in order (resolved when port 0 was asked). */
  readonly addresses: string[];
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Sends everything over HTTP/2 to gRPC and the rest to HTTP/1.1. */
export interface ConnectionRouter {
  serveConnection(socket: Duplex): void;
  close(): Promise<void>;
}

/** etcd's grpc.go: the server never refuses a stream for concurrency (math.MaxUint32). */
const MAX_CONCURRENT_STREAMS = 2 ** 31 - 1;
/** etcd's maxSendBytes (math.MaxInt32). */
const MAX_SEND_BYTES = 2 ** 31 - 1;
/** Messages up to this size are read whole before being refused with etcd's size error. */
const HARD_MAX_RECV_BYTES = 64 * 1024 * 1024;
/** How long close() lets in-flight gRPC calls finish before cutting them. */
const CLOSE_GRACE_MS = 1000;

export function createConnectionRouter(server: MemberServer, opts: ApiOptions): ConnectionRouter & { metrics: Metrics } {
  const metrics = opts.metrics ?? new Metrics();
  const services = clientServices(server, {
    maxRequestBytes: opts.maxRequestBytes,
    progressNotifyIntervalMs: opts.progressNotifyIntervalMs ?? DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS,
    maxPendingBytes: Math.max(64 * 1024 * 1024, 8 * opts.maxRequestBytes),
  });
  const maxRecv = opts.maxRequestBytes + GRPC_OVERHEAD_BYTES;
  const grpc = new GrpcServer({
    // bind.ts refuses anything over maxRecv with grpc-go's text; this is only the hard bound.
    'grpc.max_receive_message_length': Math.max(4 * maxRecv, HARD_MAX_RECV_BYTES),
    'grpc.max_send_message_length': MAX_SEND_BYTES,
    'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
    // channelz keeps per-call statistics nobody reads here; it is a measurable share of a put
    'grpc.enable_channelz': 0,
  });
  for (const s of services) {
    const b = bindService(s, metrics, opts.logger, maxRecv);
    grpc.addService(b.definition, b.implementation);
  }
  const injector: ConnectionInjector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  const gateway = new Gateway(services, { maxBodyBytes: maxRecv, logger: opts.logger });
  const http: HttpServer = createHttpServer(createHttpHandler(server, gateway, metrics, opts.logger));
  http.on('clientError', (_err, socket: Duplex) => {
    // What Go's net/http answers to a request it cannot parse.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    else socket.destroy();
  });
  const sockets = new Set<Duplex>();

  return {
    metrics,
    serveConnection(socket) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', (err) => opts.logger.debug({ error: err.message }, 'client connection error'));
      sniffProtocol(socket, (protocol) => {
        // http2 reads the sniffed bytes back out of the socket's buffer itself and then reads
        // the handle natively: resuming here would let the JS stream steal its data.
        if (protocol === 'http2') return injector.injectConnection(socket);
        http.emit('connection', socket);
        socket.resume();
      });
    },
    async close() {
      injector.drain(CLOSE_GRACE_MS);
      await new Promise<void>((resolve) => grpc.tryShutdown(() => resolve()));
      http.closeAllConnections();
      http.close();
      injector.destroy();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Listens on every URL (http://host:port) and serves etcd's client API on each. */
export async function serveClientUrls(urls: URL[], server: MemberServer, opts: ApiOptions): Promise<ClientListeners> {
  const router = createConnectionRouter(server, opts);
  const listeners: NetServer[] = [];
  try {
    for (const url of urls) {
      if (url.protocol !== 'http:') throw new Error(`unsupported client URL scheme ${url.protocol} in ${url.href} (TLS is not served yet)`);
      listeners.push(await listen(url, (s) => router.serveConnection(s)));
    }
  } catch (err) {
    await Promise.all(listeners.map(closeListener));
    await router.close();
    throw err;
  }
  return {
    addresses: listeners.map((l) => formatAddress(l.address() as AddressInfo)),
    metrics: router.metrics,
    async close() {
      await Promise.all(listeners.map(closeListener));
      await router.close();
    },
  };
}

function listen(url: URL, onSocket: (s: Socket) => void): Promise<NetServer> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  return new Promise((resolve, reject) => {
    const l = createNetServer({ noDelay: true }, onSocket);
    l.once('error', reject);
    l.listen({ host, port }, () => {
      l.off('error', reject);
      l.on('error', () => {});
      resolve(l);
    });
  });
}

function closeListener(l: NetServer): Promise<void> {
  return new Promise((resolve) => l.close(() => resolve()));
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
