// The v2 store, exported through the v2 API as `GET /v2/keys/?recursive=true&sorted=true`
// returns it (etcd 3.4 and tetcd serve it only with --enable-v2). The JSON keeps every node's
// key, value, dir flag and remaining TTL; `tetcd-backup restore` merges it into the restored
// member's v2 store (backup/v2-import.ts). It holds only what /v2/keys lists: not the store's
// /0 (membership, which a restore makes anew) nor /2 (v2 auth), and not hidden `_` nodes,
// which etcd leaves out of listings.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { TlsFiles } from './endpoints.js';

const V2_TIMEOUT_MS = 10_000;

export interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  ttl?: number;
  nodes?: V2Node[];
}

export type V2Export = { present: true; json: string; keys: number } | { present: false; reason: string };

function countKeys(n: V2Node): number {
  return (n.nodes ?? []).reduce((sum, c) => sum + 1 + countKeys(c), 0);
}

function get(url: URL, tls: TlsFiles): Promise<{ status: number; body: string }> {
  const secure = url.protocol === 'https:';
  const opts = secure
    ? { ca: tls.cacert ? readFileSync(tls.cacert) : undefined, cert: tls.cert ? readFileSync(tls.cert) : undefined, key: tls.key ? readFileSync(tls.key) : undefined }
    : {};
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { ...opts, timeout: V2_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('v2 export timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** `endpoint` is host:port or a URL; a bare host:port is http unless TLS files are given. */
export async function exportV2(endpoint: string, tls: TlsFiles): Promise<V2Export> {
  const base = /^https?:\/\//.test(endpoint) ? endpoint : `${tls.cacert || tls.cert ? 'https' : 'http'}://${endpoint}`;
  const url = new URL('/v2/keys/?recursive=true&sorted=true', base);
  let res: { status: number; body: string };
  try {
    res = await get(url, tls);
  } catch (err) {
    return { present: false, reason: `v2 API unreachable: ${(err as Error).message}` };
  }
  if (res.status === 404) return { present: false, reason: 'v2 API not enabled on the server' };
  if (res.status !== 200) return { present: false, reason: `v2 API answered HTTP ${res.status}` };
  const body = JSON.parse(res.body) as { node?: V2Node };
  const keys = body.node ? countKeys(body.node) : 0;
  if (keys === 0) return { present: false, reason: 'v2 store is empty' };
  return { present: true, json: res.body, keys };
}
