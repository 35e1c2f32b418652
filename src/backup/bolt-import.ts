// Copies the etcd buckets of a bbolt file (a snapshot, or an etcd member's db) into a new LMDB
// backend. Buckets tetcd does not know are skipped (etcd 3.4 has none beyond ETCD_BUCKETS); the
// tetcd_* derived buckets are left empty, so KVStore.open rebuilds them on the first start.
import { Backend, ETCD_BUCKETS, type EtcdBucket } from '../backend/index.js';
import { openBolt } from '../snap/bbolt/index.js';

/** Entries per LMDB write transaction: bounds the dirty pages of one commit. */
const BATCH_ENTRIES = 10_000;

export interface ImportResult {
  /** Entries copied per bucket. */
  counts: Map<EtcdBucket, number>;
}

/** Imports `boltPath` into a new backend at `dbPath` (which must not exist) and returns it open. */
export async function importBolt(boltPath: string, dbPath: string): Promise<{ backend: Backend; result: ImportResult }> {
  const bolt = openBolt(boltPath);
  const counts = new Map<EtcdBucket, number>();
  const backend = Backend.open(dbPath);
  try {
    for (const bucket of ETCD_BUCKETS) {
      if (!bolt.hasBucket(bucket)) continue;
      let batch: Array<[Buffer, Buffer]> = [];
      let n = 0;
      const flush = () => {
        const entries = batch;
        backend.write((tx) => {
          for (const [k, v] of entries) tx.put(bucket, k, v);
        });
        batch = [];
      };
      for (const [k, v] of bolt.iterate(bucket)) {
        // LMDB refuses empty keys; etcd never writes one
        if (k.length === 0) continue;
        batch.push([Buffer.from(k), Buffer.from(v)]);
        n++;
        if (batch.length >= BATCH_ENTRIES) flush();
      }
      if (batch.length > 0) flush();
      counts.set(bucket, n);
    }
  } catch (err) {
    bolt.close();
    await backend.close();
    throw err;
  }
  bolt.close();
  return { backend, result: { counts } };
}
