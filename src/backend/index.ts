export { Backend, BackendError, type BackendOptions, type BatchTx, type KeyValuePair, type ReadTx } from './backend.js';
export { ALL_BUCKETS, ETCD_BUCKETS, TETCD_BUCKETS, type Bucket, type EtcdBucket } from './buckets.js';
export { checkLmdbFile, detectDbFormat, isLmdbFile, type DbFormat } from './db-format.js';
