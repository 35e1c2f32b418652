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

// On the peer wire etcd speaks its internal error texts (membership.Err*, etcdserver.Err*),
// not the gRPC ones: a real etcd follower matches on these, so tetcd's leader must send them,
// and tetcd's follower turns them back into the texts its clients get.
const NOT_READY = 'etcdserver: can only promote a learner member which is in sync with leader';
const NOT_LEARNER_GRPC = 'etcdserver: can only promote a learner member';
const NOT_LEARNER_WIRE = 'membership: can only promote a learner member';
const NOT_FOUND_GRPC = 'etcdserver: member not found';
const NOT_FOUND_WIRE = 'membership: ID not found';
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
  // etcd answers an unparsable ID as an unknown member
  if (!/^\d+$/.test(idText) || BigInt(idText) >= 1n << 64n) return plainError(res, 404, `member ${idText} not found in cluster`);
  if (promote === undefined) return plainError(res, 503, 'member promotion is not served by this member');
  let members: PeerMember[];
  try {
    members = await promote(BigInt(idText));
  } catch (err) {
    const msg = (err as Error).message;
    if (msg === NOT_READY) return plainError(res, 412, msg);
    if (msg === NOT_LEARNER_GRPC) return plainError(res, 412, NOT_LEARNER_WIRE);
    if (msg === NOT_FOUND_GRPC) return plainError(res, 404, NOT_FOUND_WIRE);
    return plainError(res, msg === TIMEOUT_TEXT ? 408 : 500, msg);
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
  if (r.status === 408) throw new PromoteRefusedError(TIMEOUT_TEXT, 408);
  if (r.status === 404) throw new PromoteRefusedError(NOT_FOUND_GRPC, 404);
  if (r.status === 412) {
    // as etcd's promoteMemberHTTP: the longer "not ready" text contains the "not a learner" one
    if (text.includes(NOT_READY)) throw new PromoteRefusedError(NOT_READY, 412);
    if (text.includes(NOT_LEARNER_WIRE)) throw new PromoteRefusedError(NOT_LEARNER_GRPC, 412);
  }
  throw new Error(`member promote: unknown error(${text})`);
}
