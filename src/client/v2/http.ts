// The v2 HTTP cluster client in the shape of etcd's client/client.go: a list of endpoints with a
// pinned one, failover to the next on a network error or a 5xx, "one-shot" requests (creates and
// deletes, which must not be repeated) that fail fast, per-request header timeouts, basic auth
// and TLS. Errors carry the Go client's exact texts, because etcdctl prints them verbatim.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { ClusterError, CONTEXT_DEADLINE, V2ClientError } from './errors.js';

export interface V2TlsFiles {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly caFile?: string;
}

export interface V2ClientOptions {
  readonly endpoints: readonly string[];
  /** Header timeout per request in ms (0: none); etcdctl's --timeout. Never applies to waits. */
  readonly headerTimeoutMs: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: V2TlsFiles;
  /** Called with the cURL line of every request (etcdctl --debug). */
  readonly onRequest?: (curl: string) => void;
}

/** One HTTP request as the Go client builds it (path relative to the endpoint, query pre-sorted). */
export interface V2Request {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: ReadonlyArray<readonly [string, string]>;
  /** application/x-www-form-urlencoded fields, or a JSON body. */
  readonly form?: ReadonlyArray<readonly [string, string]>;
  readonly json?: unknown;
  /** A long poll (wait=true): no header timeout. */
  readonly wait?: boolean;
}

export interface V2HttpResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** The endpoint that answered. */
  readonly endpoint: string;
}

/** Go's url.Values.Encode: keys sorted, QueryEscape (space as '+'). */
export function encodeValues(values: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...values].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sorted.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join('&');
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Go's url.URL.String() for the path: reserved characters escaped, '/' kept. */
function escapePath(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%40/g, '@').replace(/%3A/g, ':').replace(/%24/g, '$').replace(/%26/g, '&').replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2C/g, ','))
    .join('/');
}

/** Fisher-Yates, as the Go client shuffles endpoints so that load spreads over members. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Go's url.Parse + default scheme as etcdctl normalises --endpoints ("host:port" gets http://). */
export function normaliseEndpoint(ep: string): string {
  const trimmed = ep.trim();
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(trimmed)) return trimmed.replace(/\/+$/, '');
  return `http://${trimmed}`.replace(/\/+$/, '');
}

export class V2HttpClient {
  private endpoints: string[];
  private pinned = 0;
  private readonly ca?: Buffer;
  private readonly cert?: Buffer;
  private readonly key?: Buffer;

  constructor(private readonly opts: V2ClientOptions) {
    this.endpoints = shuffled(opts.endpoints.map(normaliseEndpoint));
    if (opts.tls?.caFile) this.ca = readFileSync(opts.tls.caFile);
    if (opts.tls?.certFile) this.cert = readFileSync(opts.tls.certFile);
    if (opts.tls?.keyFile) this.key = readFileSync(opts.tls.keyFile);
  }

  currentEndpoints(): readonly string[] {
    return this.endpoints;
  }

  /** Replaces the endpoints (after a sync); a changed set is reshuffled and the pin reset. */
  setEndpoints(eps: readonly string[]): void {
    const next = eps.map(normaliseEndpoint);
    const same = next.length === this.endpoints.length && next.every((e, i) => e === this.endpoints[i]);
    if (same) return;
    this.endpoints = shuffled(next);
    this.pinned = 0;
  }

  /**
   * Sends the request to the pinned endpoint, failing over to the next ones on network errors and
   * 5xx answers. A one-shot request (create, delete) is not retried: it fails with the first error
   * and moves the pin, as the Go client does, because repeating it could apply it twice.
   */
  async do(req: V2Request, signal: AbortSignal, oneShot = false): Promise<V2HttpResponse> {
    const eps = [...this.endpoints];
    if (eps.length === 0) throw new V2ClientError('client: no endpoints available');
    const errors: Error[] = [];
    for (let i = this.pinned; i < eps.length + this.pinned; i++) {
      const k = i % eps.length;
      const ep = eps[k]!;
      let err: Error | undefined;
      let resp: V2HttpResponse | undefined;
      try {
        resp = await this.send(ep, req, signal);
      } catch (e) {
        if (signal.aborted) throw new V2ClientError(CONTEXT_DEADLINE);
        err = e as Error;
        errors.push(err);
      }
      if (resp && Math.floor(resp.status / 100) === 5) {
        const text =
          resp.status === 500 || resp.status === 503
            ? `client: etcd member ${ep} has no leader`
            : `client: etcd member ${ep} returns server error [${STATUS_TEXT[resp.status] ?? ''}]`;
        errors.push(new V2ClientError(text));
        err = errors[0];
      }
      if (err) {
        if (!oneShot) continue;
        this.pinned = (k + 1) % eps.length;
        throw err;
      }
      this.pinned = k;
      return resp!;
    }
    throw new ClusterError(errors);
  }

  private url(ep: string, req: V2Request): string {
    const base = ep.replace(/\/+$/, '');
    const q = req.query && req.query.length > 0 ? `?${encodeValues(req.query)}` : '';
    return `${base}${escapePath(req.path)}${q}`;
  }

  private send(ep: string, req: V2Request, signal: AbortSignal): Promise<V2HttpResponse> {
    const url = new URL(this.url(ep, req));
    let body: string | undefined;
    const headers: Record<string, string> = {};
    if (req.form) {
      body = encodeValues(req.form);
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['Content-Type'] = 'application/json';
    } else if (req.method === 'DELETE') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    if (this.opts.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
    }
    this.opts.onRequest?.(`curl -X ${req.method} ${this.url(ep, req)}${body !== undefined ? ` -d ${JSON.stringify(body)}` : ''}`);
    const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = requestFn(
        url,
        { method: req.method, headers, signal, ca: this.ca, cert: this.cert, key: this.key, agent: false },
        (res) => {
          clearTimeout(timer);
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), endpoint: ep }));
          res.on('error', (e) => reject(e));
        },
      );
      const timeout = req.wait ? 0 : this.opts.headerTimeoutMs;
      const timer =
        timeout > 0
          ? setTimeout(() => {
              r.destroy(new V2ClientError(`client: endpoint ${ep} exceeded header timeout`));
            }, timeout)
          : undefined;
      r.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e instanceof V2ClientError ? e : new V2ClientError(goNetError(e, hostPort)));
      });
      r.end(body);
    });
  }
}

/** Node's socket errors in the words of Go's net package. */
function goNetError(e: NodeJS.ErrnoException, hostPort: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${hostPort}: read: connection reset by peer`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    default:
      return e.message;
  }
}

const STATUS_TEXT: Record<number, string> = {
  501: 'Not Implemented',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
