// The integrity trailer of a snapshot file: `etcdctl snapshot save` (and tetcd's Maintenance
// Snapshot stream) appends the sha256 of the bbolt db. A file whose size is 32 past a 512-byte
// multiple carries one (etcd's hasChecksum: bbolt files are page multiples); a file copied out
// of a data dir has none and needs --skip-hash-check.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const SHA256_SIZE = 32;
const SECTOR = 512;

export class SnapshotHashError extends Error {}

/** Checks the trailer as etcd's v3Manager.saveDB does (same messages); returns the db's length without it. */
export async function verifySnapshotHash(path: string, skipHashCheck: boolean): Promise<number> {
  const fh = await openForRead(path);
  let size: number;
  let trailer: Buffer;
  try {
    size = (await fh.stat()).size;
    if (size < SHA256_SIZE) throw new SnapshotHashError(`seek ${path}: invalid argument`);
    trailer = Buffer.alloc(SHA256_SIZE);
    await fh.read(trailer, 0, SHA256_SIZE, size - SHA256_SIZE);
  } finally {
    await fh.close();
  }
  const hasHash = size % SECTOR === SHA256_SIZE;
  const dbSize = hasHash ? size - SHA256_SIZE : size;
  if (!hasHash && !skipHashCheck) throw new SnapshotHashError('snapshot missing hash but --skip-hash-check=false');
  if (hasHash && !skipHashCheck) {
    const actual = await sha256Of(path, dbSize);
    if (!actual.equals(trailer)) throw new SnapshotHashError(`expected sha256 ${goBytes(trailer)}, got ${goBytes(actual)}`);
  }
  return dbSize;
}

async function openForRead(path: string) {
  try {
    return await open(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new SnapshotHashError(`open ${path}: no such file or directory`);
    if (e.code === 'EACCES') throw new SnapshotHashError(`open ${path}: permission denied`);
    throw err;
  }
}

function sha256Of(path: string, length: number): Promise<Buffer> {
  const h = createHash('sha256');
  if (length === 0) return Promise.resolve(h.digest());
  return new Promise((resolve, reject) => {
    createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })
      .on('data', (chunk) => h.update(chunk as Buffer))
      .on('error', reject)
      .on('end', () => resolve(h.digest()));
  });
}

/** Go's %v of a []byte: `[1 2 255]`. */
function goBytes(b: Buffer): string {
  return `[${[...b].join(' ')}]`;
}
