// clientv3/concurrency's Mutex (3.4.23's tryAcquire form), as etcd's v3lock server runs it:
// waiters own `<name>/<lease hex>`; the lowest create revision holds the lock.
import { RangeRequest, TxnRequest, type ResponseHeader } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { MemberServer } from '../../server/types.js';
import { rpcError } from '../errors.js';
import { RPC_ERRORS } from '../rpc-errors.js';
import { byCreate, createRevisionIs, opGet, opPut, rangeOf, sessionKey, sessionLease, waitDeletes } from './kv.js';

export async function lock(
  server: MemberServer,
  name: Buffer,
  requestedLease: bigint,
  signal: AbortSignal,
): Promise<{ header: ResponseHeader | undefined; key: Buffer }> {
  const lease = await sessionLease(server, requestedLease);
  const prefix = Buffer.concat([name, Buffer.from('/')]);
  const key = sessionKey(prefix, lease);
  const getOwner = { request: { $case: 'request_range' as const, value: byCreate(prefix, 'first') } };
  const resp = await server.txn(
    TxnRequest.fromPartial({
      compare: [createRevisionIs(key, 0n)],
      success: [opPut(key, Buffer.alloc(0), lease), getOwner],
      failure: [opGet(key), getOwner],
    }),
  );
  const myRev = resp.succeeded ? resp.header?.revision ?? 0n : rangeOf(resp, 0).kvs[0]!.create_revision;
  const owner = rangeOf(resp, 1).kvs[0];
  if (owner === undefined || owner.create_revision === myRev) return { header: resp.header, key };
  try {
    await waitDeletes(server, prefix, Number(myRev) - 1, signal);
  } catch (err) {
    await unlock(server, key);
    throw err;
  }
  // The session's key may have expired with its lease while waiting.
  const mine = await server.range(RangeRequest.fromPartial({ key }));
  if (mine.kvs.length === 0) throw rpcError(RPC_ERRORS.SessionExpired);
  return { header: mine.header, key };
}

export async function unlock(server: MemberServer, key: Buffer): Promise<ResponseHeader | undefined> {
  return (await server.deleteRange({ key, range_end: Buffer.alloc(0), prev_kv: false })).header;
}
