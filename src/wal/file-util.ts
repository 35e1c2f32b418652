// The few file-system steps the WAL needs to be crash-safe, in one place.
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** fsync a directory, so that a create/rename/unlink in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Reserves `size` bytes for a file. etcd uses fallocate; Node has no fallocate, so the file is
 * extended with ftruncate (etcd's own fallback). The point is the same: the file size is fixed
 * up front, so an fdatasync after an append does not also have to persist a size change.
 */
export async function preallocate(fh: FileHandle, size: number): Promise<void> {
  const { size: current } = await fh.stat();
  if (current < size) await fh.truncate(size);
}

/**
 * Up to this size an append is written synchronously: a write into the page cache takes
 * microseconds, while an fs/promises write is a thread-pool round trip (a worker wake-up that
 * preempts the event loop on a small machine) before the fdatasync's own. Durability is the
 * fdatasync's job either way. Larger writes (rare: huge entries) still go through the pool so
 * the event loop is not held for the copy.
 */
const SYNC_WRITE_MAX_BYTES = 1024 * 1024;

/** Writes all of `buf` at `position` (one write call, repeated only if the kernel writes short). */
export async function appendAt(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  if (buf.length > SYNC_WRITE_MAX_BYTES) return writeFullyAt(fh, buf, position);
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fh.fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error('wal: short write made no progress');
    done += n;
  }
}

/** Writes all of `buf` at `position` (one write call, repeated only if the kernel writes short). */
export async function writeFullyAt(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('wal: short write made no progress');
    done += bytesWritten;
  }
}

/**
 * Zeroes a file from `offset` to its end (etcd's ZeroToEnd), so that whatever a torn write left
 * behind the last valid record is gone before new records are appended. The file is left
 * `size` bytes long, which must be a multiple of 8: then the space after the last record is
 * either nothing or a whole zero length field, never a fragment that reads as a torn frame.
 */
export async function zeroToEnd(fh: FileHandle, offset: number, size: number): Promise<void> {
  await fh.truncate(offset);
  if (size > offset) await fh.truncate(size);
}
