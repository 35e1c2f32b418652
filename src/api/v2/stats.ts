// /v2/stats/* and /v2/machines (etcd: v2http/client.go statsHandler, machinesHandler).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { allowMethod, writeHttpError } from './http-util.js';
import type { V2Member } from './types.js';

export function serveStats(req: IncomingMessage, res: ServerResponse, member: V2Member, which: 'self' | 'leader' | 'store'): void {
  if (!allowMethod(req, res, 'GET')) return;
  let body: string | null;
  if (which === 'store') body = member.v2Store.statsJson();
  else if (which === 'self') body = member.selfStats();
  else body = member.leaderStats();
  if (body === null) {
    writeHttpError(res, 403, 'not current leader');
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
}

/** Every member's client URLs, sorted, joined by ", " (text/plain as Go sniffs it). */
export function serveMachines(req: IncomingMessage, res: ServerResponse, member: V2Member): void {
  if (!allowMethod(req, res, 'GET', 'HEAD')) return;
  const urls = member.members().flatMap((m) => m.clientURLs).sort();
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(urls.join(', '));
}
