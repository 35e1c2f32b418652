// The /v2 entry point (etcd: v2http.handleV2 on Go's ServeMux). Paths are matched as Go's mux
// matches them: unclean paths are redirected (301) to their clean form, /v2/keys and
// /v2/members serve their subtrees, the stats and machines paths are exact, anything else
// under /v2 is net/http's 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasWriteRootAccess } from '../../v2auth/index.js';
import { AUTH_PREFIX, authStoreFor, serveAuth, writeNoAuth } from './auth.js';
import { muxCleanPath, pathUnescape } from './go-form.js';
import { writeNotFound, writePlainError } from './http-util.js';
import { KEYS_PREFIX } from './key-request.js';
import { serveKeys } from './keys.js';
import { MEMBERS_PREFIX, serveMembers } from './members.js';
import { serveMachines, serveStats } from './stats.js';
import type { V2Member } from './types.js';

/**
 * Serve req when its path is under /v2; return false (touching nothing) otherwise. Requests are
 * answered asynchronously; failures that escape are answered 500 rather than thrown.
 */
export function handleV2(req: IncomingMessage, res: ServerResponse, member: V2Member): boolean {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? '' : raw.slice(q + 1);
  if (rawPath !== '/v2' && !rawPath.startsWith('/v2/')) return false;
  const decoded = pathUnescape(rawPath);
  if (typeof decoded !== 'string') {
    // Go's server refuses a request line whose URL does not parse.
    writePlainError(res, 400, '400 Bad Request');
    return true;
  }
  const clean = muxCleanPath(decoded);
  if (clean !== decoded) {
    redirect(req, res, clean + (q < 0 ? '' : `?${rawQuery}`));
    return true;
  }
  route(req, res, member, clean, rawQuery).catch((err: unknown) => {
    if (!res.headersSent) writePlainError(res, 500, `internal error: ${(err as Error).message ?? String(err)}`);
    else res.destroy();
  });
  return true;
}

async function route(req: IncomingMessage, res: ServerResponse, member: V2Member, path: string, rawQuery: string): Promise<void> {
  if (path === KEYS_PREFIX || path.startsWith(`${KEYS_PREFIX}/`)) return serveKeys(req, res, member, path, rawQuery);
  if (path === MEMBERS_PREFIX || path.startsWith(`${MEMBERS_PREFIX}/`)) {
    // etcd's membersHandler: with v2 auth on, changes need root (methods it refuses still get 405).
    const allowed = ['GET', 'POST', 'DELETE', 'PUT'].includes(req.method ?? '');
    if (allowed && !(await hasWriteRootAccess(authStoreFor(member), req))) return writeNoAuth(res);
    return serveMembers(req, res, member, path);
  }
  if (path.startsWith(`${AUTH_PREFIX}/`)) return serveAuth(req, res, member, path);
  switch (path) {
    case '/v2/stats/self':
      return serveStats(req, res, member, 'self');
    case '/v2/stats/leader':
      return serveStats(req, res, member, 'leader');
    case '/v2/stats/store':
      return serveStats(req, res, member, 'store');
    case '/v2/machines':
      return serveMachines(req, res, member);
    default:
      writeNotFound(res);
  }
}

/** net/http's 301 to the clean path (with the small HTML body Go writes for GET and HEAD). */
function redirect(req: IncomingMessage, res: ServerResponse, location: string): void {
  res.statusCode = 301;
  res.setHeader('Location', location);
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`);
  } else {
    res.end();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}
