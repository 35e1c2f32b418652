export * from './types.js';
export * from './errors.js';
export { MemoryStorage, type Storage } from './storage.js';
export { RawNode, type Ready, type Status, type ProgressStatus, type Peer } from './raw-node.js';
export type { RaftConfig } from './raft-config.js';
export type { ReadOnlyOption } from './read-only.js';
export { ProgressState } from './progress.js';
export * from './codec.js';
