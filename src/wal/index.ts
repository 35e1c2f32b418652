// etcd's write-ahead log, in etcd 3.4's exact on-disk format.
export { WAL, SEGMENT_SIZE_BYTES, type TailRepair } from './wal.js';
export {
  EMPTY_HARD_STATE,
  isEmptyHardState,
  type HardState,
  type ReadAllResult,
  type WalEntry,
  type WalOptions,
  type WalSnapshot,
} from './types.js';
export { encodeWalEntry, decodeEntryPosition } from './codec.js';
export { walName, parseWalName, type SegmentName } from './names.js';
export { RecordType } from './record.js';
export {
  WalError,
  WalCorruptError,
  WalExistsError,
  WalFileNotFoundError,
  WalLockedError,
  WalMetadataConflictError,
  WalSliceOutOfRangeError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
} from './errors.js';
