/**
 * Lease renewal forwarding (etcd's leasehttp): a follower's LeaseKeepAlive is
 * renewed by the leader, whose lessor owns expiry, over POST /leases on the
 * peer port with protobuf LeaseKeepAliveRequest / LeaseKeepAliveResponse.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { requestHeaders, type LocalIdentity } from './headers.js';
import { readBody, roundTrip, type DialOptions } from './peer-client.js';
import { plainError } from './stream-receiver.js';

export const LEASES_PATH = '/leases';
/** etcd's lease.ErrLeaseNotFound text; a handler error with it becomes 404. */
export const LEASE_NOT_FOUND = 'lease not found';
const RENEW_TIMEOUT_MS = 5000;

/** The leader does not know the lease (etcd's lease.ErrLeaseNotFound). */
export class LeaseNotFoundError extends Error {
  constructor() {
    super(LEASE_NOT_FOUND);
    this.name = 'LeaseNotFoundError';
  }
}

export async function serveLeaseRenew(req: IncomingMessage, res: ServerResponse, renew: ((id: bigint) => Promise<number>) | undefined): Promise<void> {
  let id: bigint;
  try {
    id = LeaseKeepAliveRequest.decode(await readBody(req)).ID;
  } catch {
    return plainError(res, 400, 'error unmarshalling request');
  }
  if (renew === undefined) return plainError(res, 503, 'lease renewal is not served by this member');
  let ttl: number;
  try {
    ttl = await renew(id);
  } catch (err) {
    const msg = (err as Error).message;
    return plainError(res, msg.includes(LEASE_NOT_FOUND) ? 404 : 400, msg);
  }
  const body = LeaseKeepAliveResponse.encode({ header: undefined, ID: id, TTL: BigInt(ttl) }).finish();
  res.writeHead(200, { 'content-type': 'application/protobuf', 'content-length': body.length });
  res.end(body);
}

/** Client side: renews lease `id` at a leader peer URL, resolving to its TTL in seconds. */
export async function renewLeaseAt(url: URL, local: LocalIdentity, id: bigint, dial: Pick<DialOptions, 'tls' | 'agents' | 'signal'>): Promise<number> {
  const body = Buffer.from(LeaseKeepAliveRequest.encode({ ID: id }).finish());
  const r = await roundTrip(
    url,
    { ...dial, method: 'POST', path: LEASES_PATH, headers: { ...requestHeaders(local), 'content-type': 'application/protobuf' }, timeoutMs: RENEW_TIMEOUT_MS },
    body,
  );
  if (r.status === 404) throw new LeaseNotFoundError();
  if (r.status !== 200) throw new Error(`lease renewal failed with http status ${r.status}: ${r.body.toString().trim()}`);
  return Number(LeaseKeepAliveResponse.decode(r.body).TTL);
}
