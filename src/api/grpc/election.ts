// v3electionpb.Election (etcdserver/api/v3election): each RPC runs concurrency's election recipe
// on the member. Sessions are orphaned as in etcd: the server never keeps a lease alive.
import {
  CampaignRequest,
  CampaignResponse,
  ElectionService,
  LeaderRequest,
  LeaderResponse,
  ProclaimRequest,
  ProclaimResponse,
  ResignRequest,
  ResignResponse,
} from '../../proto/etcdserver/api/v3election/v3electionpb/v3election.js';
import type { MemberServer } from '../../server/types.js';
import { campaign, currentLeader, observe, proclaim, resign } from '../concurrency/election.js';
import { rpcError } from '../errors.js';
import { serverStream, service, unary, type Service } from '../method.js';
import { RPC_ERRORS } from '../rpc-errors.js';

export function electionService(server: MemberServer): Service {
  const E = ElectionService;
  return service(E, [
    unary(E.campaign.path, CampaignRequest, CampaignResponse, async (req, ctx) => {
      const { header, leader } = await campaign(server, req.name, req.value, req.lease, ctx.signal);
      return { header, leader };
    }),
    unary(E.proclaim.path, ProclaimRequest, ProclaimResponse, async (req) => {
      if (req.leader === undefined) throw rpcError(RPC_ERRORS.MissingLeaderKey);
      return { header: await proclaim(server, req.leader, req.value) };
    }),
    unary(E.leader.path, LeaderRequest, LeaderResponse, (req) => currentLeader(server, req.name)),
    unary(E.resign.path, ResignRequest, ResignResponse, async (req) => {
      if (req.leader === undefined) throw rpcError(RPC_ERRORS.MissingLeaderKey);
      return { header: await resign(server, req.leader) };
    }),
    serverStream(E.observe.path, LeaderRequest, LeaderResponse, async (req, out, ctx) => {
      try {
        await observe(server, req.name, (header, kv) => out.send({ header, kv }), ctx.signal);
      } catch (err) {
        // The client went away: nothing left to report.
        if (!ctx.signal.aborted) throw err;
      }
    }),
  ]);
}
