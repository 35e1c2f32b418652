// Member and cluster identities, computed exactly as etcd computes them so that the same
// --initial-cluster and --initial-cluster-token give the same IDs as a real etcd.
import { createHash } from 'node:crypto';

export interface Member {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** etcd's membership.NewMember ID: sha1(sorted peer URLs + cluster token [+ unix time]). */
export function computeMemberId(peerURLs: readonly string[], clusterToken: string, unixTime?: number): bigint {
  const parts = [...peerURLs].sort();
  let s = parts.join('') + clusterToken;
  if (unixTime !== undefined) s += String(unixTime);
  return createHash('sha1').update(s).digest().readBigUInt64BE(0);
}

/** etcd's RaftCluster.genID: sha1 over the member IDs in ascending order, 8 bytes each. */
export function computeClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => buf.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(buf).digest().readBigUInt64BE(0);
}

/** etcd prints IDs as lower-case hex without padding (types.ID.String). */
export function idToHex(id: bigint): string {
  return id.toString(16);
}

/**
 * A member as etcd marshals it into a ConfChange context (membership.Member): the uint64 ID is a
 * bare JSON number, which JSON.stringify cannot write for values above 2^53, hence the splice.
 */
export function memberToJson(m: Member): string {
  const rest = JSON.stringify({
    peerURLs: m.peerURLs,
    ...(m.isLearner ? { isLearner: true } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.clientURLs.length ? { clientURLs: m.clientURLs } : {}),
  });
  return `{"id":${m.id.toString()},${rest.slice(1)}`;
}

export function memberFromJson(json: string): Member {
  const idMatch = /"id"\s*:\s*(\d+)/.exec(json);
  if (!idMatch) throw new Error(`membership: member JSON without id: ${json}`);
  const o = JSON.parse(json) as { peerURLs?: string[]; isLearner?: boolean; name?: string; clientURLs?: string[] };
  return {
    id: BigInt(idMatch[1]!),
    name: o.name ?? '',
    peerURLs: o.peerURLs ?? [],
    clientURLs: o.clientURLs ?? [],
    isLearner: o.isLearner ?? false,
  };
}
