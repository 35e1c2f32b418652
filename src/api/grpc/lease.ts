// etcdserverpb.Lease (v3rpc/lease.go), including its two quirks clients rely on: TimeToLive of
// a missing lease answers TTL -1 instead of an error, and a keep-alive of a missing lease answers
// TTL 0 on the stream instead of ending it.
import {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesRequest,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseService,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { bidi, service, unary, type BidiSession, type Service, type StreamOut } from '../method.js';
import { RPC_ERRORS } from '../rpc-errors.js';

const isLeaseNotFound = (err: unknown) => err instanceof Error && err.message === RPC_ERRORS.LeaseNotFound.message;

export function leaseService(server: MemberServer): Service {
  return service(LeaseService, [
    unary(LeaseService.leaseGrant.path, LeaseGrantRequest, LeaseGrantResponse, (req) => server.leaseGrant(req)),
    unary(LeaseService.leaseRevoke.path, LeaseRevokeRequest, LeaseRevokeResponse, (req) => server.leaseRevoke(req)),
    unary(LeaseService.leaseTimeToLive.path, LeaseTimeToLiveRequest, LeaseTimeToLiveResponse, async (req) => {
      try {
        return await server.leaseTimeToLive(req);
      } catch (err) {
        if (!isLeaseNotFound(err)) throw err;
        return { header: server.header(), ID: req.ID, TTL: -1n, grantedTTL: 0n, keys: [] };
      }
    }),
    unary(LeaseService.leaseLeases.path, LeaseLeasesRequest, LeaseLeasesResponse, () => server.leaseLeases()),
    bidi(LeaseService.leaseKeepAlive.path, LeaseKeepAliveRequest, LeaseKeepAliveResponse, (out) => keepAliveSession(server, out)),
  ]);
}

/** Renews one request at a time, in order, like etcd's leaseKeepAlive loop. */
function keepAliveSession(server: MemberServer, out: StreamOut<LeaseKeepAliveResponse>): BidiSession<LeaseKeepAliveRequest> {
  let chain = Promise.resolve();
  let closed = false;
  const renew = async (id: bigint) => {
    if (closed) return;
    // The header is taken before the renew, so its revision is never later than the renewal:
    // a client must not see a keep-alive succeed at a revision after the lease was revoked.
    const header = server.header();
    let ttl: number;
    try {
      ttl = await server.leaseRenew(id);
    } catch (err) {
      if (!isLeaseNotFound(err)) {
        closed = true;
        out.fail(err);
        return;
      }
      ttl = 0;
    }
    if (!closed) await out.send({ header, ID: id, TTL: BigInt(ttl) });
  };
  return {
    message(req) {
      chain = chain.then(() => renew(req.ID));
    },
    halfClose() {
      chain = chain.then(() => {
        if (!closed) out.end();
        closed = true;
      });
    },
    close() {
      closed = true;
    },
  };
}
