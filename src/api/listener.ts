// The client listeners of a member, like etcd's embed/serve.go: one listener per client URL
// (TCP for http/https, a socket file for unix/unixs), each connection handed to the gRPC server
// (HTTP/2) or the HTTP/1.1 server (etcd's /version, /health, /metrics, the /v3 gateway, /v2).
// Plain connections are sniffed (cmux); TLS connections are routed by their ALPN protocol after
// the handshake, as Go's TLS server does (h2 is gRPC, anything else HTTP/1.1).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Server as GrpcServer, ServerCredentials, type ConnectionInjector } from '@grpc/grpc-js';
import type { MemberServer } from '../server/types.js';
import type { ServerTls, TlsAcceptor } from '../tls/index.js';
import { bindService } from './grpc/bind.js';
import { clientServices } from './grpc/services.js';
import { Gateway } from './http/gateway.js';
import { createHttpHandler } from './http/handler.js';
import { Metrics } from './metrics.js';
import { DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS, GRPC_OVERHEAD_BYTES, type ApiOptions } from './options.js';
import { fixFirstAuthority } from './h2-authority.js';
import { sniffProtocol } from './sniff.js';

export interface ClientListeners {
  /** The bound addresses, `host:port` (or the socket path) per URL in order (resolved when port 0 was asked). */
  readonly addresses: string[];
  /** The URLs served, in order, with their scheme and resolved port (`https://127.0.0.1:40123`). */
  readonly urls: URL[];
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export interface ClientListenerOptions extends ApiOptions {
  /** The server TLS for https:// and unixs:// URLs (from `clientTlsFromConfig` in src/tls). */
  tls?: ServerTls;
}

/** Sends everything over HTTP/2 to gRPC and the rest to HTTP/1.1. */
export interface ConnectionRouter {
  serveConnection(socket: Duplex): void;
  /** A TLS connection after its handshake: ALPN h2 goes to gRPC, the rest to HTTP/1.1. */
  serveSecureConnection(socket: TLSSocket): void;
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

  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => opts.logger.debug({ error: err.message }, 'client connection error'));
  };

  return {
    metrics,
    serveSecureConnection(socket) {
      track(socket);
      if (socket.alpnProtocol === 'h2') return fixFirstAuthority(socket, () => injector.injectConnection(socket));
      http.emit('connection', socket);
    },
    serveConnection(socket) {
      track(socket);
      sniffProtocol(socket, (protocol) => {
        // http2 reads the sniffed bytes back out of the socket's buffer itself and then reads
        // the handle natively: resuming here would let the JS stream steal its data.
        if (protocol === 'http2') return fixFirstAuthority(socket, () => injector.injectConnection(socket));
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

/**
 * Listens on every URL and serves etcd's client API on each: http:// and unix:// in the clear,
 * https:// and unixs:// over `opts.tls`. Logs etcd's "serving client traffic ..." line per URL.
 */
export async function serveClientUrls(urls: URL[], server: MemberServer, opts: ClientListenerOptions): Promise<ClientListeners> {
  const secure = urls.map((u) => checkScheme(u, opts));
  const router = createConnectionRouter(server, opts);
  const acceptor: TlsAcceptor | undefined = opts.tls?.acceptor((s) => router.serveSecureConnection(s));
  const listeners: NetServer[] = [];
  // Raw sockets too: one still in its TLS handshake is not the router's yet.
  const raw = new Set<Socket>();
  const closeAll = async () => {
    // Stop accepting first; net.Server.close() only calls back once every connection is gone,
    // so the open ones are drained (gRPC, with a grace period) and destroyed before awaiting it.
    const closed = Promise.all(listeners.map(closeListener));
    acceptor?.close();
    await router.close();
    for (const s of raw) s.destroy();
    await closed;
  };
  try {
    for (const [i, url] of urls.entries()) {
      const serve = secure[i] ? (s: Socket) => acceptor!.accept(s) : (s: Socket) => router.serveConnection(s);
      const onSocket = (s: Socket) => {
        raw.add(s);
        s.on('close', () => raw.delete(s));
        serve(s);
      };
      listeners.push(await listen(url, onSocket));
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const addresses = listeners.map((l) => formatAddress(l.address()!));
  for (const [i, address] of addresses.entries()) {
    if (secure[i]) opts.logger.info({ address }, 'serving client traffic securely');
    else opts.logger.info({ address }, 'serving client traffic insecurely; this is strongly discouraged!');
  }
  return {
    addresses,
    urls: urls.map((u, i) => servedUrl(u, addresses[i]!)),
    metrics: router.metrics,
    close: closeAll,
  };
}

/** etcd's configureClientListeners checks: whether the URL is served over TLS. */
function checkScheme(url: URL, opts: ClientListenerOptions): boolean {
  const scheme = url.protocol.replace(/:$/, '');
  const href = url.href.replace(/\/$/, '');
  if (scheme === 'https' || scheme === 'unixs') {
    if (opts.tls === undefined) throw new Error(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${href} with HTTPS scheme`);
    return true;
  }
  if (scheme !== 'http' && scheme !== 'unix') throw new Error(`unsupported client URL scheme ${url.protocol} in ${href}`);
  if (opts.tls !== undefined) {
    opts.logger.warn({ 'client-url': href }, 'scheme is HTTP while key and cert files are present; ignoring key and cert files');
    if (opts.tls.info.clientCertAuth) {
      opts.logger.warn({ 'client-url': href }, 'scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL');
    }
  }
  return false;
}

function isUnix(url: URL): boolean {
  return url.protocol === 'unix:' || url.protocol === 'unixs:';
}

/** etcd listens on a unix URL's host part as a socket file name (`unix://localhost:2379`). */
function unixPath(url: URL): string {
  return url.host !== '' ? url.host : url.pathname;
}

function servedUrl(url: URL, address: string): URL {
  return isUnix(url) ? new URL(url.href) : new URL(`${url.protocol}//${address}`);
}

function listen(url: URL, onSocket: (s: Socket) => void): Promise<NetServer> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  // etcd's NewUnixListener removes a stale socket file first.
  if (isUnix(url)) rmSync(unixPath(url), { force: true });
  return new Promise((resolve, reject) => {
    const l = createNetServer({ noDelay: true }, onSocket);
    l.once('error', reject);
    l.listen(isUnix(url) ? { path: unixPath(url) } : { host, port }, () => {
      l.off('error', reject);
      l.on('error', () => {});
      resolve(l);
    });
  });
}

function closeListener(l: NetServer): Promise<void> {
  return new Promise((resolve) => l.close(() => resolve()));
}

function formatAddress(a: AddressInfo | string): string {
  if (typeof a === 'string') return a;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
