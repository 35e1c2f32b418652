// clientv3/concurrency's Election, as etcd's v3election server runs it: the leader is the key
// with the lowest create revision under `<name>/`; each candidate owns `<name>/<lease hex>`.
import { TxnRequest, type ResponseHeader } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { LeaderKey } from '../../proto/etcdserver/api/v3election/v3electionpb/v3election.js';
import type { KeyValue } from '../../proto/mvcc/mvccpb/kv.js';
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import type { MemberServer } from '../../server/types.js';
import { rpcError } from '../errors.js';
import { RPC_ERRORS } from '../rpc-errors.js';
import { byCreate, createRevisionIs, opGet, opPut, opDelete, rangeOf, sessionKey, sessionLease, waitDeletes } from './kv.js';
import { WatchQueue } from './watch-queue.js';

const electionPrefix = (name: Buffer) => Buffer.concat([name, Buffer.from('/')]);

export async function campaign(
  server: MemberServer,
  name: Buffer,
  value: Buffer,
  requestedLease: bigint,
  signal: AbortSignal,
): Promise<{ header: ResponseHeader | undefined; leader: LeaderKey }> {
  const lease = await sessionLease(server, requestedLease);
  const prefix = electionPrefix(name);
  const key = sessionKey(prefix, lease);
  const resp = await server.txn(
    TxnRequest.fromPartial({ compare: [createRevisionIs(key, 0n)], success: [opPut(key, value, lease)], failure: [opGet(key)] }),
  );
  const leader: LeaderKey = { name, key, rev: resp.header?.revision ?? 0n, lease };
  if (!resp.succeeded) {
    const kv = rangeOf(resp, 0).kvs[0]!;
    leader.rev = kv.create_revision;
    if (!kv.value.equals(value)) {
      try {
        await proclaim(server, leader, value);
      } catch (err) {
        await resign(server, leader);
        throw err;
      }
    }
  }
  try {
    await waitDeletes(server, prefix, Number(leader.rev) - 1, signal);
  } catch (err) {
    // A campaign given up by its caller withdraws the candidacy.
    if (signal.aborted) await resign(server, leader);
    throw err;
  }
  return { header: resp.header, leader };
}

export async function proclaim(server: MemberServer, leader: LeaderKey, value: Buffer): Promise<ResponseHeader | undefined> {
  const resp = await server.txn(
    TxnRequest.fromPartial({ compare: [createRevisionIs(leader.key, leader.rev)], success: [opPut(leader.key, value, leader.lease)] }),
  );
  if (!resp.succeeded) throw rpcError(RPC_ERRORS.ElectionNotLeader);
  return resp.header;
}

export async function resign(server: MemberServer, leader: LeaderKey): Promise<ResponseHeader | undefined> {
  const resp = await server.txn(TxnRequest.fromPartial({ compare: [createRevisionIs(leader.key, leader.rev)], success: [opDelete(leader.key)] }));
  return resp.header;
}

export async function currentLeader(server: MemberServer, name: Buffer): Promise<{ header: ResponseHeader | undefined; kv: KeyValue }> {
  const resp = await server.range(byCreate(electionPrefix(name), 'first'));
  const kv = resp.kvs[0];
  if (kv === undefined) throw rpcError(RPC_ERRORS.ElectionNoLeader);
  return { header: resp.header, kv };
}

/**
 * Election.observe: the current leader, then every new value it proclaims, then the next leader
 * once it is deleted, until the signal aborts.
 */
export async function observe(
  server: MemberServer,
  name: Buffer,
  emit: (header: ResponseHeader | undefined, kv: KeyValue) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const prefix = electionPrefix(name);
  while (!signal.aborted) {
    const resp = await server.range(byCreate(prefix, 'first'));
    let kv = resp.kvs[0];
    let header = resp.header;
    if (kv === undefined) {
      // No leader yet: wait for the first put under the prefix.
      const q = new WatchQueue(server, { key: prefix, rangeEnd: byCreate(prefix, 'first').range_end, startRevision: Number(header?.revision ?? 0n) }, signal);
      try {
        while (kv === undefined) {
          const batch = await q.next();
          const put = batch.events.find((e) => e.type === Event_EventType.PUT);
          if (put?.kv !== undefined) {
            kv = put.kv;
            header = server.header(Number(kv.mod_revision));
          }
        }
      } finally {
        q.cancel();
      }
    }
    await emit(header, kv);
    const q = new WatchQueue(server, { key: kv.key, rangeEnd: Buffer.alloc(0), startRevision: Number(header?.revision ?? 0n) + 1 }, signal);
    try {
      for (let deleted = false; !deleted; ) {
        const batch = await q.next();
        for (const ev of batch.events) {
          if (ev.type === Event_EventType.DELETE) {
            deleted = true;
            break;
          }
          if (ev.kv !== undefined) await emit(server.header(batch.revision), ev.kv);
        }
      }
    } finally {
      q.cancel();
    }
  }
}
