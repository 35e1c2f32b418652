// The new cluster a restore bootstraps: etcd's ServerConfig.VerifyBootstrap checks on the
// --initial-cluster / --initial-advertise-peer-urls / --name flags, and the members with their
// IDs computed exactly as etcd does (membership.NewClusterFromURLsMap), so that a restored data
// dir and a fresh `tetcd --initial-cluster ...` agree on every ID.
import { parseUrlList, parseUrlsMap } from '../config/urls.js';
import { computeClusterId, computeMemberId } from '../server/membership.js';

export interface NewMember {
  id: bigint;
  name: string;
  /** Sorted, as etcd keeps them. */
  peerURLs: string[];
}

export interface NewCluster {
  /** Ascending by ID, as etcd's RaftCluster.MemberIDs(): the order of the bootstrap entries. */
  members: NewMember[];
  clusterId: bigint;
  local: NewMember;
}

export interface NewClusterConfig {
  name: string;
  initialCluster: string;
  initialClusterToken: string;
  /** --initial-advertise-peer-urls as given (comma-separated). */
  advertisePeerUrls: string;
}

export class ClusterConfigError extends Error {}

/** Parses and checks the flags; throws etcd's messages for the errors it reports. */
export function newCluster(cfg: NewClusterConfig): NewCluster {
  const advertised = parseUrlList(cfg.advertisePeerUrls).map((u) => u.text);
  const urlsMap = new Map([...parseUrlsMap(cfg.initialCluster)].map(([name, urls]) => [name, urls.map((u) => u.text)]));
  const localUrls = urlsMap.get(cfg.name);
  if (!localUrls) throw new ClusterConfigError(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  checkAdvertised(cfg.name, localUrls, advertised);
  const all = [...urlsMap.values()].flat();
  if (new Set(all).size !== all.length) throw new ClusterConfigError(`initial cluster ${urlsMapString(urlsMap)} has duplicate url`);
  if (all.length === 0) throw new ClusterConfigError('initial cluster unset and no discovery URL found');
  const members = [...urlsMap].map(([name, urls]) => ({ id: computeMemberId(urls, cfg.initialClusterToken), name, peerURLs: [...urls].sort() }));
  members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const clusterId = computeClusterId(members.map((m) => m.id));
  return { members, clusterId, local: members.find((m) => m.name === cfg.name)! };
}

/** etcd's advertiseMatchesCluster (without DNS resolution: URLs compare as text). */
function checkAdvertised(name: string, local: string[], advertised: string[]): void {
  const want = [...local].sort();
  const adv = [...advertised].sort();
  if (want.join(',') === adv.join(',')) return;
  const missing = want.filter((u) => !adv.includes(u)).map((u) => `${name}=${u}`);
  const detail = `(resolved urls: "${adv.join(',')}" != "${want.join(',')}")`;
  if (missing.length > 0) {
    throw new ClusterConfigError(`--initial-cluster has ${missing.join(',')} but missing from --initial-advertise-peer-urls=${adv.join(',')} ${detail}`);
  }
  const extra = adv.filter((u) => !want.includes(u));
  // etcd prints the advertised URLs here under the member's name (its message, verbatim)
  throw new ClusterConfigError(`--initial-advertise-peer-urls has ${extra.join(',')} but missing from --initial-cluster=${adv.map((u) => `${name}=${u}`).join(',')}`);
}

/** etcd's URLsMap.String(): name=url pairs sorted. */
function urlsMapString(m: Map<string, string[]>): string {
  return [...m]
    .flatMap(([name, urls]) => urls.map((u) => `${name}=${u}`))
    .sort()
    .join(',');
}
