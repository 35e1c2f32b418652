/**
 * The HTTP handler of the peer port: routes etcd's peer paths and refuses
 * requests from other clusters (412) before reading them.
 *
 *   POST /raft/stream/message/<from>  a peer's message stream
 *   POST /raft/snapshot               MsgSnap + v3 db
 *   POST /leases                      forwarded lease renewal
 *   POST /members/promote/<id>        forwarded learner promotion
 *   GET  /members, /version           cluster discovery for joining members
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { clusterMismatch, H_CLUSTER_ID, idString, type LocalIdentity } from './headers.js';
import { LEASES_PATH, serveLeaseRenew } from './leases.js';
import { MEMBERS_PATH, serveMembers, serveVersion, VERSION_PATH } from './members.js';
import { PROMOTE_PATH_PREFIX, serveMemberPromote } from './promote.js';
import { SNAPSHOT_PATH } from './snapshot-format.js';
import { handleSnapshot, type SnapshotReceiverDeps } from './snapshot-receiver.js';
import { plainError, type StreamReceiver } from './stream-receiver.js';
import { STREAM_PATH_PREFIX } from './stream-writer.js';
import type { PeerMember, TransportLogger } from './types.js';

export interface PeerHandlerDeps {
  local: LocalIdentity;
  logger: TransportLogger;
  streams: StreamReceiver;
  snapshot: SnapshotReceiverDeps;
  members(): PeerMember[];
  onLeaseRenew: ((id: bigint) => Promise<number>) | undefined;
  onMemberPromote: ((id: bigint) => Promise<PeerMember[]>) | undefined;
}

export function peerHandler(d: PeerHandlerDeps): RequestListener {
  return (req, res) => {
    route(d, req, res).catch((err: Error) => {
      d.logger.warn({ 'local-member-id': idString(d.local.memberId), path: req.url, error: err.message }, 'failed to serve peer request');
      if (!res.headersSent) plainError(res, 500, 'internal error');
      else res.destroy();
    });
  };
}

async function route(d: PeerHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://peer').pathname;
  const isDiscovery = path === MEMBERS_PATH || path === VERSION_PATH;
  // Discovery is asked by members that do not know the cluster ID yet; they
  // check the X-Etcd-Cluster-ID of the answer themselves.
  if (!isDiscovery || req.headers[H_CLUSTER_ID] !== undefined) {
    const mismatch = clusterMismatch(d.local, req.headers);
    if (mismatch !== undefined) {
      d.logger.warn(mismatch, 'request cluster ID mismatch');
      res.setHeader(H_CLUSTER_ID, idString(d.local.clusterId));
      return plainError(res, 412, 'cluster ID mismatch');
    }
  }
  if (path === MEMBERS_PATH) {
    if (!allow(req, res, 'GET')) return;
    return serveMembers(res, d.local.clusterId, d.members());
  }
  if (path === VERSION_PATH) {
    if (!allow(req, res, 'GET')) return;
    return serveVersion(res);
  }
  if (path.startsWith(STREAM_PATH_PREFIX)) {
    if (!allow(req, res, 'POST')) return;
    return d.streams.handle(req, res, path);
  }
  if (path === SNAPSHOT_PATH) {
    if (!allow(req, res, 'POST')) return;
    res.setHeader(H_CLUSTER_ID, idString(d.local.clusterId));
    return handleSnapshot(d.snapshot, req, res);
  }
  if (path.startsWith(PROMOTE_PATH_PREFIX)) {
    if (!allow(req, res, 'POST')) return;
    return serveMemberPromote(req, res, path, d.onMemberPromote);
  }
  if (path === LEASES_PATH) {
    if (!allow(req, res, 'POST')) return;
    return serveLeaseRenew(req, res, d.onLeaseRenew);
  }
  plainError(res, 404, '404 page not found');
}

function allow(req: IncomingMessage, res: ServerResponse, method: string): boolean {
  if (req.method === method) return true;
  res.setHeader('allow', method);
  plainError(res, 405, 'Method Not Allowed');
  return false;
}
