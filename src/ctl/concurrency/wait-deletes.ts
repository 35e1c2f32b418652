// Waiting for the keys ahead of ours to go (clientv3/concurrency key.go): the queue behind a
// lock or an election is the keys under the prefix ordered by create revision.
import { Event_EventType } from '../../proto/mvcc/mvccpb/kv.js';
import type { ResponseHeader } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import type { V3Client } from '../../client/v3.js';
import { topByCreate } from './requests.js';
import { watchResponses } from './watch.js';

/** The wait was given up because its signal aborted (Go's context.Canceled). */
export class CanceledError extends Error {
  constructor() {
    super('context canceled');
  }
}

/** Resolves once `key` is deleted at a revision after `rev`. */
async function waitDelete(client: V3Client, key: Buffer, rev: bigint, signal?: AbortSignal): Promise<void> {
  for await (const r of watchResponses(client, key, { startRevision: rev, signal })) {
    if (r.events.some((ev) => ev.type === Event_EventType.DELETE)) return;
    if (r.canceled) throw new Error(r.cancel_reason || 'lost watcher waiting for delete');
  }
  if (signal?.aborted) throw new CanceledError();
  throw new Error('lost watcher waiting for delete');
}

/**
 * Waits until no key under `pfx` created at or before `maxCreateRev` is left, watching the
 * newest of them each time (so each waiter watches exactly one predecessor), and returns the
 * header of the read that found none.
 */
export async function waitDeletes(client: V3Client, pfx: string, maxCreateRev: bigint, signal?: AbortSignal): Promise<ResponseHeader | undefined> {
  for (;;) {
    if (signal?.aborted) throw new CanceledError();
    const resp = await client.unary('kv', 'range', topByCreate(pfx, 'last', maxCreateRev));
    const last = resp.kvs[0];
    if (!last) return resp.header;
    await waitDelete(client, last.key, resp.header!.revision, signal);
  }
}
