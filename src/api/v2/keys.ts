// /v2/keys (etcd: v2http/client.go keysHandler, etcdserver/v2_server.go). Writes and quorum
// reads go through raft; plain GET, HEAD and watches are served from the member's own store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from '../../proto/etcdserver/etcdserverpb/etcdserver.js';
import { hasKeyPrefixAccess } from '../../v2auth/index.js';
import {
  EcodeRaftInternal,
  EcodeUnauthorized,
  STORE_KEYS_PREFIX,
  V2Error,
  type V2Event,
  type V2Watcher,
  eventJson,
  isCreated,
  nowNs,
  trimEventPrefix,
} from '../../v2store/index.js';
import { authStoreFor } from './auth.js';
import { allowMethod, idString, writeV2Error } from './http-util.js';
import { KEYS_PREFIX, parseKeyRequest } from './key-request.js';
import type { V2Member } from './types.js';

/** Actions whose node/prevNode noValueOnSuccess leaves out. */
const WRITE_ACTIONS = new Set(['set', 'compareAndSwap', 'create', 'update']);

export async function serveKeys(
  req: IncomingMessage,
  res: ServerResponse,
  member: V2Member,
  urlPath: string,
  rawQuery: string,
): Promise<void> {
  if (!allowMethod(req, res, 'HEAD', 'GET', 'PUT', 'POST', 'DELETE')) return;
  res.setHeader('X-Etcd-Cluster-ID', idString(member.clusterId));
  let parsed;
  try {
    parsed = await parseKeyRequest(req, urlPath, rawQuery, nowNs());
  } catch (err) {
    writeKeyError(res, err);
    return;
  }
  const r = parsed.request;
  // etcd checks v2 auth once the request parsed, on the key as the URL names it.
  if (!(await hasKeyPrefixAccess(authStoreFor(member), req, urlPath.slice(KEYS_PREFIX.length), r.Recursive ?? false))) {
    writeV2Error(res, new V2Error(EcodeUnauthorized, 'Insufficient credentials', 0));
    return;
  }
  // etcd: a GET with quorum=true is a QGET, through raft (and then wait is ignored).
  if (r.Method === 'GET' && r.Quorum === true) r.Method = 'QGET';
  try {
    if (r.Method === 'GET' && r.Wait === true) {
      const w = member.v2Store.watch(r.Path!, r.Recursive ?? false, r.Stream ?? false, Number(r.Since ?? 0n));
      await serveWatch(res, member, w, r.Stream ?? false);
      return;
    }
    const ev = await execute(member, r);
    writeKeyEvent(res, member, ev, parsed.noValueOnSuccess);
  } catch (err) {
    writeKeyError(res, err);
  }
}

/** Run the request where etcd runs it: through raft, or on the local store. */
async function execute(member: V2Member, r: Request): Promise<V2Event> {
  if (r.Method === 'GET' || r.Method === 'HEAD') {
    return member.v2Store.get(r.Path!, r.Recursive ?? false, r.Sorted ?? false);
  }
  const result = await member.v2Propose(r);
  if (result instanceof V2Error) throw result;
  return result;
}

function writeKeyEvent(res: ServerResponse, member: V2Member, ev: V2Event, noValueOnSuccess: boolean): void {
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('X-Etcd-Index', String(ev.etcdIndex));
  res.setHeader('X-Raft-Index', String(member.raftIndex()));
  res.setHeader('X-Raft-Term', String(member.raftTerm()));
  res.statusCode = isCreated(ev) ? 201 : 200;
  const out = trimEventPrefix(ev, STORE_KEYS_PREFIX);
  const withNodes = !(noValueOnSuccess && WRITE_ACTIONS.has(out.action));
  res.end(`${eventJson(out, withNodes)}\n`);
}

/**
 * A long poll (one event, then done) or a stream (events until the client leaves). Headers go
 * out at once so clients see the watch is set up; X-Etcd-Index is the index it started at.
 */
async function serveWatch(res: ServerResponse, member: V2Member, w: V2Watcher, stream: boolean): Promise<void> {
  const onClose = (): void => w.remove();
  res.once('close', onClose);
  try {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Etcd-Index', String(w.startIndex));
    res.setHeader('X-Raft-Index', String(member.raftIndex()));
    res.setHeader('X-Raft-Term', String(member.raftTerm()));
    res.writeHead(200);
    res.flushHeaders();
    for (;;) {
      const ev = await w.next();
      if (ev === null || res.destroyed) break;
      res.write(`${eventJson(trimEventPrefix(ev, STORE_KEYS_PREFIX))}\n`);
      if (!stream) break;
    }
  } finally {
    w.remove();
    res.off('close', onClose);
    if (!res.destroyed) res.end();
  }
}

/** etcd's writeKeyError: v2 errors as they are ("/1" cut from the cause), others as 300. */
function writeKeyError(res: ServerResponse, err: unknown): void {
  if (err instanceof V2Error) {
    if (err.cause.startsWith(STORE_KEYS_PREFIX)) err.cause = err.cause.slice(STORE_KEYS_PREFIX.length);
    writeV2Error(res, err);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  writeV2Error(res, new V2Error(EcodeRaftInternal, message, 0));
}
