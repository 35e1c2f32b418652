export { KVStore, type KVStoreOptions } from './kvstore.js';
export type {
  CommitListener,
  DeleteResult,
  PutResult,
  RangeOptions,
  RangeResult,
  TxnRead,
  TxnWrite,
} from './kv.js';
export { NO_LEASE } from './kv.js';
export type { HashKVResult } from './hash.js';
export { ErrCompacted, ErrFutureRev, isCompacted, isFutureRev, MvccError } from './errors.js';
export {
  WatchableStore,
  type CompactedCallback,
  type EventsCallback,
  type WatchableStoreOptions,
  type Watcher,
  type WatchRequest,
} from './watchable-store.js';
export { bytesToRev, isTombstone, revToBytes, type Revision } from './revision.js';
