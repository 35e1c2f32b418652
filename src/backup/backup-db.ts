// The backend of a v2 `backup` copy. With --with-v3 the source db is copied (an LMDB file as is,
// an etcd bbolt db imported into LMDB) and stripped of the old cluster: its members, removed
// members and cluster version (etcd deletes the same buckets), and tetcd's published member
// attributes. Without it the copy gets an empty backend whose consistent index covers the whole
// log, as etcd's backup writes one, since only v2 data is carried.
import { copyFile, chmod } from 'node:fs/promises';
import { Backend, detectDbFormat, type BatchTx } from '../backend/index.js';
import { CONSISTENT_INDEX_KEY } from '../mvcc/meta.js';
import { importBolt } from './bolt-import.js';
import { BackupError } from './backup-error.js';

const PRIVATE_FILE_MODE = 0o600;
const MEMBER_ATTRS_PREFIX = Buffer.from('member_attrs/');

/**
 * Writes the copy's backend at `destDb`. `renumber` maps the source's consistent index to the
 * copy's log numbering (entries were removed from the log).
 */
export async function writeBackupDb(srcDb: string, destDb: string, withV3: boolean, commit: number, renumber: (i: number) => number): Promise<void> {
  let backend: Backend;
  if (withV3) {
    const format = detectDbFormat(srcDb);
    if (format === 'missing') throw new BackupError(`open ${srcDb}: no such file or directory`);
    if (format === 'unknown') throw new BackupError(`${srcDb}: neither a tetcd (LMDB) nor an etcd (bbolt) database`);
    if (format === 'bbolt') {
      backend = (await importBolt(srcDb, destDb)).backend;
    } else {
      await copyFile(srcDb, destDb);
      await chmod(destDb, PRIVATE_FILE_MODE);
      backend = Backend.open(destDb);
    }
  } else {
    backend = Backend.open(destDb);
  }
  try {
    backend.write((tx) => {
      if (withV3) {
        stripCluster(tx);
        const ci = tx.get('meta', CONSISTENT_INDEX_KEY);
        if (ci) tx.put('meta', CONSISTENT_INDEX_KEY, uint64(renumber(Number(ci.readBigUInt64BE(0)))));
      } else {
        tx.put('meta', CONSISTENT_INDEX_KEY, uint64(commit));
      }
    });
    await backend.sync();
  } finally {
    await backend.close();
  }
}

function stripCluster(tx: BatchTx): void {
  for (const bucket of ['members', 'members_removed', 'cluster'] as const) {
    for (const { key } of [...tx.range(bucket, Buffer.alloc(0))]) tx.delete(bucket, Buffer.from(key));
  }
  const end = Buffer.from(MEMBER_ATTRS_PREFIX);
  end[end.length - 1]!++;
  for (const { key } of [...tx.range('tetcd_meta', MEMBER_ATTRS_PREFIX, end)]) tx.delete('tetcd_meta', Buffer.from(key));
}

function uint64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
