/**
 * etcd's peer request headers and the checks every peer request passes:
 * a request from another cluster is refused with 412 before it is read.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export const SERVER_VERSION = '3.4.23';
export const CLUSTER_VERSION = '3.4.0';
export const MIN_CLUSTER_VERSION = '3.0.0';

export const H_CLUSTER_ID = 'x-etcd-cluster-id';
export const H_SERVER_FROM = 'x-server-from';
export const H_SERVER_VERSION = 'x-server-version';
export const H_MIN_CLUSTER_VERSION = 'x-min-cluster-version';
export const H_RAFT_TO = 'x-raft-to';
export const H_PEER_URLS = 'x-peerurls';

/** etcd's types.ID text: lowercase hex, no padding. */
export function idString(id: bigint): string {
  return id.toString(16);
}

/** Parses a types.ID text; undefined when it is not one. */
export function parseId(s: string | undefined): bigint | undefined {
  if (s === undefined || !/^[0-9a-fA-F]{1,16}$/.test(s)) return undefined;
  return BigInt('0x' + s);
}

export interface LocalIdentity {
  memberId: bigint;
  clusterId: bigint;
  /** Our advertised peer URLs, sent as X-PeerURLs. */
  urls: () => string[];
}

export function requestHeaders(local: LocalIdentity, to?: bigint): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {
    [H_CLUSTER_ID]: idString(local.clusterId),
    [H_SERVER_FROM]: idString(local.memberId),
    [H_SERVER_VERSION]: SERVER_VERSION,
    [H_MIN_CLUSTER_VERSION]: MIN_CLUSTER_VERSION,
    [H_PEER_URLS]: local.urls().join(','),
  };
  if (to !== undefined) h[H_RAFT_TO] = idString(to);
  return h;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export function headerValue(h: IncomingHttpHeaders, name: string): string | undefined {
  return header(h, name);
}

/**
 * The cluster-ID check of etcd's checkClusterCompatibilityFromHeader. Returns
 * the fields to log when the request comes from another cluster.
 */
export function clusterMismatch(local: LocalIdentity, h: IncomingHttpHeaders): object | undefined {
  const remote = header(h, H_CLUSTER_ID);
  if (remote === idString(local.clusterId)) return undefined;
  return {
    'local-member-id': idString(local.memberId),
    'local-member-cluster-id': idString(local.clusterId),
    'local-member-server-version': SERVER_VERSION,
    'remote-peer-server-name': header(h, H_SERVER_FROM) ?? '',
    'remote-peer-server-version': header(h, H_SERVER_VERSION) ?? '',
    'remote-peer-cluster-id': remote ?? '',
  };
}
