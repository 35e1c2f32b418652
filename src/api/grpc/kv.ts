// etcdserverpb.KV (v3rpc/key.go). The request checks of key.go (empty key, txn op limits,
// duplicate keys) live in ONE place, the member's src/server/apply/validate.ts, which runs
// before a request is proposed; this layer only translates.
import {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KVService,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { service, unary, type Service } from '../method.js';

export function kvService(server: MemberServer): Service {
  return service(KVService, [
    unary(KVService.range.path, RangeRequest, RangeResponse, (req) => server.range(req)),
    unary(KVService.put.path, PutRequest, PutResponse, (req) => server.put(req)),
    unary(KVService.deleteRange.path, DeleteRangeRequest, DeleteRangeResponse, (req) => server.deleteRange(req)),
    unary(KVService.txn.path, TxnRequest, TxnResponse, (req) => server.txn(req)),
    unary(KVService.compact.path, CompactionRequest, CompactionResponse, (req) => server.compact(req)),
  ]);
}
