/**
 * GET /members and GET /version on the peer port (etcd's etcdhttp peer
 * handlers), and the client side a joining member uses to learn the cluster.
 * etcd encodes a member ID as a bare uint64 JSON number, beyond 2^53, so the
 * JSON is written and read here without passing IDs through JS numbers.
 */
import type { ServerResponse } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { CLUSTER_VERSION, H_CLUSTER_ID, SERVER_VERSION, headerValue, idString, parseId } from './headers.js';
import { roundTrip } from './peer-client.js';
import type { PeerMember } from './types.js';

export const MEMBERS_PATH = '/members';
export const VERSION_PATH = '/version';

/** Go's json encoding of membership.Member (field order and omitempty as etcd's struct). */
export function membersJson(members: PeerMember[]): string {
  const one = (m: PeerMember): string => {
    const parts = [`"id":${m.id.toString()}`, `"peerURLs":${JSON.stringify(m.peerURLs)}`];
    if (m.isLearner) parts.push('"isLearner":true');
    if (m.name !== '') parts.push(`"name":${JSON.stringify(m.name)}`);
    if (m.clientURLs.length > 0) parts.push(`"clientURLs":${JSON.stringify(m.clientURLs)}`);
    return `{${parts.join(',')}}`;
  };
  return `[${members.map(one).join(',')}]\n`;
}

export function parseMembersJson(text: string): PeerMember[] {
  // Quote the uint64 IDs before JSON.parse so none is rounded to a double.
  const raw = JSON.parse(text.replace(/"id":\s*(\d+)/g, '"id":"$1"')) as Array<{ id: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }>;
  if (!Array.isArray(raw)) throw new Error('members response is not a JSON array');
  return raw.map((m) => ({ id: BigInt(m.id), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], ...(m.isLearner ? { isLearner: true } : {}) }));
}

export function serveMembers(res: ServerResponse, clusterId: bigint, members: PeerMember[]): void {
  res.writeHead(200, { 'content-type': 'application/json', [H_CLUSTER_ID]: idString(clusterId) });
  res.end(membersJson(members));
}

export function serveVersion(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ etcdserver: SERVER_VERSION, etcdcluster: CLUSTER_VERSION }));
}

/**
 * Asks a member's peer URL for the cluster's members, as a member joining with
 * --initial-cluster-state existing does (etcd's getClusterFromRemotePeers).
 */
export async function fetchMembers(peerUrl: string, tls?: ConnectionOptions, timeoutMs = 5000): Promise<{ clusterId: bigint; members: PeerMember[] }> {
  const r = await roundTrip(new URL(MEMBERS_PATH, peerUrl), { method: 'GET', path: MEMBERS_PATH, headers: {}, tls, timeoutMs });
  if (r.status !== 200) throw new Error(`unexpected http status ${r.status} from ${peerUrl}${MEMBERS_PATH}`);
  const clusterId = parseId(headerValue(r.headers, H_CLUSTER_ID));
  if (clusterId === undefined) throw new Error(`no valid ${H_CLUSTER_ID} header from ${peerUrl}${MEMBERS_PATH}`);
  return { clusterId, members: parseMembersJson(r.body.toString()) };
}

/** GET /version of a peer (etcd's getVersions asks it to decide the cluster version). */
export async function fetchVersion(peerUrl: string, tls?: ConnectionOptions, timeoutMs = 5000): Promise<{ etcdserver: string; etcdcluster: string }> {
  const r = await roundTrip(new URL(VERSION_PATH, peerUrl), { method: 'GET', path: VERSION_PATH, headers: {}, tls, timeoutMs });
  if (r.status !== 200) throw new Error(`unexpected http status ${r.status} from ${peerUrl}${VERSION_PATH}`);
  return JSON.parse(r.body.toString()) as { etcdserver: string; etcdcluster: string };
}
