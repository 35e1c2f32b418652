/**
 * Learner promotion forwarded to the leader (etcd's POST /members/promote/<id>
 * on the peer port): only the leader knows whether a learner has caught up, so
 * a follower asked to promote one hands the request over. The answer is the
 * member list as JSON; refusals keep etcd's status codes (412 not ready / not a
 * learner, 404 unknown member, 408 timeout) and its error text in the body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestHeaders, type LocalIdentity } from './headers.js';
import { readBody, roundTrip, type DialOptions } from './peer-client.js';
import { membersJson, parseMembersJson } from './members.js';
import { plainError } from './stream-receiver.js';
import type { PeerMember } from './types.js';

export const PROMOTE_PATH_PREFIX = '/members/promote/';
const PROMOTE_TIMEOUT_MS = 5000;

/** The refusal texts etcd's handler answers with 412 or 404 (etcdserver, membership errors). */
const PRECONDITION_TEXTS = ['etcdserver: can only promote a learner member'];
const NOT_FOUND_TEXT = 'etcdserver: member not found';
const TIMEOUT_TEXT = 'etcdserver: request timed out';

/** A promotion the leader refused; `message` is etcd's error text. */
export class PromoteRefusedError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'PromoteRefusedError';
  }
}

export async function serveMemberPromote(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  promote: ((id: bigint) => Promise<PeerMember[]>) | undefined,
): Promise<void> {
  await readBody(req);
  const idText = path.slice(PROMOTE_PATH_PREFIX.length);
  if (!/^\d+$/.test(idText)) return plainError(res, 400, `strconv.ParseUint: parsing ${JSON.stringify(idText)}: invalid syntax`);
  if (promote === undefined) return plainError(res, 503, 'member promotion is not served by this member');
  let members: PeerMember[];
  try {
    members = await promote(BigInt(idText));
  } catch (err) {
    const msg = (err as Error).message;
    const status = PRECONDITION_TEXTS.some((t) => msg.startsWith(t)) ? 412 : msg === NOT_FOUND_TEXT ? 404 : msg === TIMEOUT_TEXT ? 408 : 500;
    return plainError(res, status, msg);
  }
  const body = membersJson(members);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Client side: asks the leader at `url` to promote learner `id`; resolves to its member list. */
export async function promoteMemberAt(url: URL, local: LocalIdentity, id: bigint, dial: Pick<DialOptions, 'tls' | 'agents' | 'signal'>): Promise<PeerMember[]> {
  const r = await roundTrip(url, { ...dial, method: 'POST', path: PROMOTE_PATH_PREFIX + id.toString(), headers: requestHeaders(local), timeoutMs: PROMOTE_TIMEOUT_MS }, Buffer.alloc(0));
  const text = r.body.toString().trim();
  if (r.status === 200) return parseMembersJson(text);
  if (r.status === 412 || r.status === 404 || r.status === 408) throw new PromoteRefusedError(text, r.status);
  throw new Error(`member promote: unknown error(${text})`);
}
