// The v2 store: etcd 3.4's v2 data model (tree, TTLs, history, watchers, JSON snapshots).
export {
  V2Store,
  PERMANENT,
  STORE_VERSION,
  STORE_CLUSTER_PREFIX,
  STORE_KEYS_PREFIX,
  type TtlOptions,
  type V2StoreOptions,
} from './store.js';
export { V2Watcher, WATCHER_QUEUE_CAPACITY } from './watcher.js';
export { EVENT_HISTORY_CAPACITY } from './event-history.js';
export {
  type V2Event,
  type V2Action,
  type NodeExtern,
  eventJson,
  nodeExternJson,
  trimEventPrefix,
  isCreated,
  cloneEvent,
} from './event.js';
export * from './errors.js';
export { applyV2Request, ttlOptions, ERR_UNKNOWN_METHOD } from './apply.js';
export { formatRfc3339Nano, parseRfc3339, nowNs } from './go-time.js';
export { cleanPath } from './watcher-hub.js';
export { parseNodeExtern } from './snapshot.js';
export { type StoreStats, storeStatsJson } from './stats.js';
export { encodeV2Request, decodeV2Request } from './request-codec.js';
