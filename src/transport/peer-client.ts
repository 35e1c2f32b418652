/**
 * Dialling a peer: http or https by the URL's scheme, with the transport's
 * client TLS options, and round-robin over a peer's URLs (etcd's urlPicker:
 * stay on a URL while it works, move to the next when it fails).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { ConnectionOptions } from 'node:tls';

export class UrlPicker {
  private urls: URL[];
  private index = 0;

  constructor(urls: string[]) {
    this.urls = parseUrls(urls);
  }

  pick(): URL {
    return this.urls[this.index % this.urls.length]!;
  }

  update(urls: string[]): void {
    this.urls = parseUrls(urls);
    this.index = 0;
  }

  /** The URL failed: later picks try the next one. */
  unreachable(u: URL): void {
    if (this.pick() === u) this.index = (this.index + 1) % this.urls.length;
  }
}

function parseUrls(urls: string[]): URL[] {
  if (urls.length === 0) throw new Error('a peer needs at least one URL');
  return urls.map((u) => new URL(u));
}

export interface DialOptions {
  method: 'GET' | 'POST';
  path: string;
  headers: http.OutgoingHttpHeaders;
  /** Shared keep-alive agents for short requests; none means a dedicated connection (streams). */
  agents?: { http: http.Agent; https: https.Agent };
  tls?: ConnectionOptions;
  /** Aborts the request (transport stop). */
  signal?: AbortSignal;
  /** roundTrip only: fail when the whole exchange takes longer. */
  timeoutMs?: number;
}

export function dial(u: URL, o: DialOptions): http.ClientRequest {
  const base: http.RequestOptions = {
    method: o.method,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? undefined : Number(u.port),
    path: o.path,
    headers: o.headers,
    signal: o.signal,
  };
  if (u.protocol === 'https:') {
    return https.request({ ...o.tls, ...base, agent: o.agents?.https ?? false });
  }
  if (u.protocol !== 'http:') throw new Error(`unsupported peer URL scheme ${u.protocol}`);
  return http.request({ ...base, agent: o.agents?.http ?? false });
}

/** Reads a whole (small) response body. */
export function readBody(res: http.IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) res.destroy(new Error(`response body exceeds ${limit} bytes`));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

/** Sends a request with an optional body and resolves with status, headers and body. */
export function roundTrip(u: URL, o: DialOptions, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = dial(u, body === undefined ? o : { ...o, headers: { ...o.headers, 'content-length': body.length } });
    req.on('error', reject);
    if (o.timeoutMs !== undefined) {
      const ms = o.timeoutMs;
      const t = setTimeout(() => req.destroy(new Error(`request to ${u.href} timed out after ${ms} ms`)), ms);
      req.on('close', () => clearTimeout(t));
    }
    req.on('response', (res) => {
      readBody(res).then((b) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }), reject);
    });
    req.end(body);
  });
}
