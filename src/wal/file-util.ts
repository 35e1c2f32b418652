// The few file-system steps the WAL needs to be crash-safe, in one place.
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
