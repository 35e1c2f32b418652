// etcdserverpb.Cluster (v3rpc/member.go). Requests whose outcome is known without a change
// (bad or taken peer URLs, unknown ID, removing the only voter, promoting a voter) are answered
// here with etcd's errors; the rest go to the member, which changes the membership through raft.
import {
  ClusterService,
  MemberAddRequest,
  MemberAddResponse,
  MemberListRequest,
  MemberListResponse,
  MemberPromoteRequest,
  MemberPromoteResponse,
  MemberRemoveRequest,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  type Member,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { rpcError } from '../errors.js';
import { service, unary, type Service } from '../method.js';
import { RPC_ERRORS } from '../rpc-errors.js';

export function clusterService(server: MemberServer): Service {
  const C = ClusterService;
  const members = async (): Promise<Member[]> => (await server.memberList()).members;
  const find = async (id: bigint): Promise<{ all: Member[]; member: Member }> => {
    const all = await members();
    const member = all.find((m) => m.ID === id);
    if (member === undefined) throw rpcError(RPC_ERRORS.MemberNotFound);
    return { all, member };
  };
  const checkUrlsFree = (all: Member[], urls: string[], except?: bigint) => {
    const taken = new Set(all.filter((m) => m.ID !== except).flatMap((m) => m.peerURLs));
    if (urls.some((u) => taken.has(u))) throw rpcError(RPC_ERRORS.PeerURLExist);
  };
  return service(C, [
    unary(C.memberList.path, MemberListRequest, MemberListResponse, () => server.memberList()),
    unary(C.memberAdd.path, MemberAddRequest, MemberAddResponse, async (req) => {
      if (!req.peerURLs.every(isValidPeerUrl)) throw rpcError(RPC_ERRORS.MemberBadURLs);
      checkUrlsFree(await members(), req.peerURLs);
      return server.memberAdd(req.peerURLs, req.isLearner);
    }),
    unary(C.memberRemove.path, MemberRemoveRequest, MemberRemoveResponse, async (req) => {
      const { all } = await find(req.ID);
      // etcd's strict reconfiguration check: removing the last voter leaves no quorum.
      if (all.filter((m) => !m.isLearner && m.ID !== req.ID).length === 0) throw rpcError(RPC_ERRORS.MemberNotEnoughStarted);
      return server.memberRemove(req.ID);
    }),
    unary(C.memberUpdate.path, MemberUpdateRequest, MemberUpdateResponse, async (req) => {
      const { all } = await find(req.ID);
      checkUrlsFree(all, req.peerURLs, req.ID);
      return server.memberUpdate(req.ID, req.peerURLs);
    }),
    unary(C.memberPromote.path, MemberPromoteRequest, MemberPromoteResponse, async (req) => {
      const { member } = await find(req.ID);
      if (!member.isLearner) throw rpcError(RPC_ERRORS.MemberNotLearner);
      return server.memberPromote(req.ID);
    }),
  ]);
}

/**
 * etcd's types.NewURLs rules: scheme http, https, unix or unixs; host:port (IPv6 in brackets);
 * no path, query or fragment.
 */
export function isValidPeerUrl(raw: string): boolean {
  return /^(https?|unixs?):\/\/([^/?#:@\[\]]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(raw);
}
