// /v2/members (etcd: v2http/client.go membersHandler, httptypes/member.go).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { goJsonString } from '../../v2store/index.js';
import { allowMethod, idString, readBody, writeHttpError, writePlainError } from './http-util.js';
import { MembershipError, type V2Member, type V2MemberInfo } from './types.js';

export const MEMBERS_PREFIX = '/v2/members';

export async function serveMembers(req: IncomingMessage, res: ServerResponse, member: V2Member, urlPath: string): Promise<void> {
  if (!allowMethod(req, res, 'GET', 'POST', 'DELETE', 'PUT')) return;
  res.setHeader('X-Etcd-Cluster-ID', idString(member.clusterId));
  const rest = urlPath.slice(MEMBERS_PREFIX.length).replace(/^\//, '');
  switch (req.method) {
    case 'GET':
      return serveGet(res, member, rest);
    case 'POST': {
      const peerURLs = await readPeerURLs(req, res);
      if (peerURLs === undefined) return;
      try {
        const added = await member.addMember(peerURLs);
        writeJson(res, 201, memberJson(added));
      } catch (err) {
        writeMembershipError(res, err, '', ['id-exists', 'peer-url-exists']);
      }
      return;
    }
    case 'DELETE': {
      const id = parseId(res, rest);
      if (id === undefined) return;
      try {
        await member.removeMember(id);
        res.statusCode = 204;
        res.end();
      } catch (err) {
        writeMembershipError(res, err, idString(id), ['id-removed', 'id-not-found']);
      }
      return;
    }
    case 'PUT': {
      const id = parseId(res, rest);
      if (id === undefined) return;
      const peerURLs = await readPeerURLs(req, res);
      if (peerURLs === undefined) return;
      try {
        await member.updateMember(id, peerURLs);
        res.statusCode = 204;
        res.end();
      } catch (err) {
        writeMembershipError(res, err, idString(id), ['peer-url-exists', 'id-not-found']);
      }
    }
  }
}

function serveGet(res: ServerResponse, member: V2Member, rest: string): void {
  if (rest === '') {
    const list = [...member.members()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    writeJson(res, 200, `{"members":[${list.map(memberJson).join(',')}]}`);
    return;
  }
  if (rest === 'leader') {
    const leader = member.leaderId();
    const info = member.members().find((m) => m.id === leader);
    if (leader === 0n || info === undefined) {
      writeHttpError(res, 503, 'During election');
      return;
    }
    writeJson(res, 200, memberJson(info));
    return;
  }
  writeHttpError(res, 404, 'Not found');
}

/** httptypes.Member as json.Encoder writes it. */
export function memberJson(m: V2MemberInfo): string {
  const urls = (list: readonly string[]): string => `[${list.map(goJsonString).join(',')}]`;
  return `{"id":"${idString(m.id)}","name":${goJsonString(m.name)},"peerURLs":${urls(m.peerURLs)},"clientURLs":${urls(m.clientURLs)}}`;
}

function writeJson(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(`${body}\n`);
}

/** etcd's getID: no ID is 405, an ID that is not hex is 404 "No such member". */
function parseId(res: ServerResponse, rest: string): bigint | undefined {
  if (rest === '') {
    writePlainError(res, 405, 'Method Not Allowed');
    return undefined;
  }
  if (!/^[0-9a-fA-F]{1,16}$/.test(rest)) {
    writeHttpError(res, 404, `No such member: ${rest}`);
    return undefined;
  }
  return BigInt(`0x${rest}`);
}

/** The {"peerURLs":[...]} body of POST and PUT, validated as etcd's types.NewURLs does. */
async function readPeerURLs(req: IncomingMessage, res: ServerResponse): Promise<string[] | undefined> {
  const rawType = req.headers['content-type'] ?? '';
  const semi = rawType.indexOf(';');
  const ctype = semi === -1 ? rawType : rawType.slice(0, semi).trim().toLowerCase();
  if (ctype !== 'application/json') {
    writeHttpError(res, 415, `Bad Content-Type ${ctype}, accept application/json`);
    return undefined;
  }
  const { body } = await readBody(req, Number.MAX_SAFE_INTEGER);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    writeHttpError(res, 400, (err as Error).message);
    return undefined;
  }
  const list = (raw as { peerURLs?: unknown } | null)?.peerURLs ?? [];
  if (!Array.isArray(list) || !list.every((u) => typeof u === 'string')) {
    writeHttpError(res, 400, 'json: cannot unmarshal peerURLs');
    return undefined;
  }
  const problem = checkUrls(list as string[]);
  if (problem !== undefined) {
    writeHttpError(res, 400, problem);
    return undefined;
  }
  return (list as string[]).map((u) => u.trim()).sort();
}

/** types.NewURLs' checks, with its error texts. */
export function checkUrls(urls: readonly string[]): string | undefined {
  if (urls.length === 0) return 'no valid URLs given';
  for (const raw of urls) {
    const text = raw.trim();
    // scheme ":" ["//" authority] path, as Go's url.Parse splits it.
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)/.exec(text);
    const scheme = m?.[1]?.toLowerCase() ?? '';
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) {
      return `URL scheme must be http, https, unix, or unixs: ${text}`;
    }
    const host = (m![2] ?? '').replace(/^.*@/, '');
    if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(host)) {
      return `URL address does not have the form "host:port": ${text}`;
    }
    if (m![3] !== '') return `URL must not contain a path: ${text}`;
  }
  return undefined;
}

function writeMembershipError(res: ServerResponse, err: unknown, id: string, known: string[]): void {
  if (err instanceof MembershipError && known.includes(err.kind)) {
    switch (err.kind) {
      case 'id-exists':
      case 'peer-url-exists':
        writeHttpError(res, 409, err.message);
        return;
      case 'id-removed':
        writeHttpError(res, 410, `Member permanently removed: ${id}`);
        return;
      case 'id-not-found':
        writeHttpError(res, 404, `No such member: ${id}`);
        return;
    }
  }
  writeHttpError(res, 500, 'Internal Server Error');
}
