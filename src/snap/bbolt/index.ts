/**
 * etcd's bbolt database format: a reader for files etcd (or `etcdctl snapshot
 * save/restore`) wrote, and a streaming bulk writer whose output etcd accepts.
 */
export { type BoltReader, openBolt } from './reader.js';
export {
  type BoltBucketInput,
  type BoltEntry,
  type BoltSink,
  type BoltWriteOptions,
  type BoltWriteResult,
  SHA256_TRAILER_SIZE,
  boltFileBuffer,
  writeBolt,
} from './writer.js';
export { DEFAULT_PAGE_SIZE, type Meta } from './format.js';
