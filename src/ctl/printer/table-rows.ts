// The rows etcdctl's simple and table printers share (printer.go make*Table).
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { hex, humanizeBytes } from './go-format.js';
import type { DBStatus, EndpointHashKV, EndpointHealth, EndpointStatus } from './printer.js';

export type Table = [header: string[], rows: string[][]];

export function memberListTable(r: pb.MemberListResponse): Table {
  return [
    ['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'],
    r.members.map((m) => [hex(m.ID), m.name.length === 0 ? 'unstarted' : 'started', m.name, m.peerURLs.join(','), m.clientURLs.join(','), String(m.isLearner)]),
  ];
}

export function endpointHealthTable(hs: EndpointHealth[]): Table {
  return [['endpoint', 'health', 'took', 'error'], hs.map((h) => [h.ep, String(h.health), h.took, h.error])];
}

export function endpointStatusTable(ss: EndpointStatus[]): Table {
  return [
    ['endpoint', 'ID', 'version', 'db size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'],
    ss.map(({ ep, resp }) => [
      ep,
      hex(resp.header?.member_id ?? 0n),
      resp.version,
      humanizeBytes(resp.dbSize),
      String(resp.leader === (resp.header?.member_id ?? 0n)),
      String(resp.isLearner),
      String(resp.raftTerm),
      String(resp.raftIndex),
      String(resp.raftAppliedIndex),
      resp.errors.join(', '),
    ]),
  ];
}

export function endpointHashKVTable(hs: EndpointHashKV[]): Table {
  return [['endpoint', 'hash'], hs.map((h) => [h.ep, String(h.resp.hash)])];
}

export function dbStatusTable(s: DBStatus): Table {
  return [['hash', 'revision', 'total keys', 'total size'], [[s.hash.toString(16), String(s.revision), String(s.totalKey), humanizeBytes(s.totalSize)]]];
}
