// Applying a committed v2 request (etcd: etcdserver/apply_v2.go). Every member applies the same
// entries in the same order and gets the same store, because nothing here reads a clock: the
// proposer put absolute times in the request (Expiration for TTLs, Time for SYNC).
import type { Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { EcodeRaftInternal, V2Error } from './errors.js';
import type { V2Event } from './event.js';
import type { TtlOptions, V2Store } from './store.js';

/** etcd's ErrUnknownMethod text; the HTTP layer answers it as a 300 Raft Internal Error. */
export const ERR_UNKNOWN_METHOD = 'etcdserver: unknown method';

/**
 * What applying gives back: the event (POST, PUT, DELETE, QGET), the store's error, or null for
 * SYNC, which answers nothing.
 *
 * `PrevExist` and `Refresh` are nullable in etcd (gogoproto nullable): undefined means "not
 * given". A decoder that turns an absent field into false makes every plain PUT a create.
 */
export function applyV2Request(store: V2Store, r: Request): V2Event | V2Error | null {
  try {
    switch (r.Method) {
      case 'POST':
        return store.create(r.Path ?? '', r.Dir ?? false, r.Val ?? '', true, ttlOptions(r));
      case 'PUT':
        return applyPut(store, r);
      case 'DELETE':
        return applyDelete(store, r);
      case 'QGET':
        return store.get(r.Path ?? '', r.Recursive ?? false, r.Sorted ?? false);
      case 'SYNC':
        store.deleteExpiredKeys(r.Time ?? 0n);
        return null;
      default:
        return new V2Error(EcodeRaftInternal, ERR_UNKNOWN_METHOD, 0);
    }
  } catch (err) {
    if (err instanceof V2Error) return err;
    throw err;
  }
}

/** The TTL part of a request: Expiration (Unix ns, 0 = none) and the refresh flag. */
export function ttlOptions(r: Request): TtlOptions {
  return { expireTime: r.Expiration ?? 0n, refresh: r.Refresh === true };
}

function applyPut(store: V2Store, r: Request): V2Event {
  const path = r.Path ?? '';
  const val = r.Val ?? '';
  const prevIndex = Number(r.PrevIndex ?? 0n);
  const prevValue = r.PrevValue ?? '';
  const ttl = ttlOptions(r);
  if (r.PrevExist === true) {
    if (prevIndex === 0 && prevValue === '') return store.update(path, val, ttl);
    return store.compareAndSwap(path, prevValue, prevIndex, val, ttl);
  }
  if (r.PrevExist === false) return store.create(path, r.Dir ?? false, val, false, ttl);
  if (prevIndex > 0 || prevValue !== '') return store.compareAndSwap(path, prevValue, prevIndex, val, ttl);
  return store.set(path, r.Dir ?? false, val, ttl);
}

function applyDelete(store: V2Store, r: Request): V2Event {
  const prevIndex = Number(r.PrevIndex ?? 0n);
  const prevValue = r.PrevValue ?? '';
  if (prevIndex > 0 || prevValue !== '') return store.compareAndDelete(r.Path ?? '', prevValue, prevIndex);
  return store.delete(r.Path ?? '', r.Dir ?? false, r.Recursive ?? false);
}
