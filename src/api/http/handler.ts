// The HTTP/1.1 side of a client listener: etcd's /version, /health and /metrics, the /v3 JSON
// gateway (and its /v3beta alias), the v2 API when the member has it (--enable-v2; otherwise
// 404 as from a 3.4 member without it), and Go's mux answers for everything else.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLUSTER_VERSION, ETCD_API_VERSION } from '../../config/version.js';
import type { MemberServer } from '../../server/types.js';
import type { Metrics } from '../metrics.js';
import type { ApiLogger } from '../options.js';
import { plain, type Gateway } from './gateway.js';
import { handleV2 } from '../v2/index.js';

/** etcd answers every client HTTP request with these (permissive CORS). */
const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Origin': '*',
};

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttpHandler(server: MemberServer, gateway: Gateway, metrics: Metrics, logger: ApiLogger): HttpHandler {
  return (req, res) => {
    for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    let path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/v3beta/')) path = `/v3/${path.slice('/v3beta/'.length)}`;
    if (path === '/version') return getOnly(req, res) && serveVersion(res);
    if (path === '/health') return getOnly(req, res) && void serveHealth(server, metrics, logger, res);
    if (path === '/metrics') return void serveMetrics(metrics, res);
    if (path === '/v3') return redirect(res, '/v3/');
    if (path.startsWith('/v3/')) return gateway.handle(path, req, res);
    if (server.v2 && handleV2(req, res, server.v2)) return;
    plain(res, 404, '404 page not found');
  };
}

function getOnly(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET') return true;
  plain(res, 405, 'Method Not Allowed', { Allow: 'GET' });
  return false;
}

function serveVersion(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ etcdserver: ETCD_API_VERSION, etcdcluster: CLUSTER_VERSION }));
}

async function serveHealth(server: MemberServer, metrics: Metrics, logger: ApiLogger, res: ServerResponse): Promise<void> {
  let healthy = false;
  try {
    const h = await server.health();
    healthy = h.health;
    if (!healthy) logger.warn({ reason: h.reason }, '/health error');
  } catch (err) {
    logger.warn({ error: err instanceof Error ? err.message : String(err) }, '/health error');
  }
  // Go's json.Marshal of etcdhttp.Health: the value is the string "true" or "false".
  const body = JSON.stringify({ health: String(healthy) });
  if (healthy) {
    metrics.healthSuccess.inc();
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  } else {
    metrics.healthFailures.inc();
    plain(res, 503, body);
  }
}

async function serveMetrics(metrics: Metrics, res: ServerResponse): Promise<void> {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
  res.end(text);
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(301, { Location: to, 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<a href="${to}">Moved Permanently</a>.\n\n`);
}
