// Preallocates the next segment in the background (etcd's filePipeline), so that cutting a new
// segment does not wait for the allocation. Files are "0.tmp" and "1.tmp" in turn: the one handed
// out is renamed to its segment name before the one after it is handed out.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { preallocate, PRIVATE_FILE_MODE } from './file-util.js';

export interface PreallocatedFile {
  path: string;
  fh: FileHandle;
}

export class FilePipeline {
  private count = 0;
  private next: Promise<PreallocatedFile>;

  constructor(
    private readonly dir: string,
    private readonly size: number,
  ) {
    this.next = this.alloc();
    // A failure is reported to whoever takes the file, not as an unhandled rejection now.
    this.next.catch(() => undefined);
  }

  /** A fresh preallocated file. Rename it before taking another one. */
  async take(): Promise<PreallocatedFile> {
    const f = await this.next;
    this.next = this.alloc();
    this.next.catch(() => undefined);
    return f;
  }

  /** Removes the file prepared but not taken. */
  async close(): Promise<void> {
    const f = await this.next.catch(() => undefined);
    if (!f) return;
    await f.fh.close();
    await rm(f.path, { force: true });
  }

  private async alloc(): Promise<PreallocatedFile> {
    const path = join(this.dir, `${this.count % 2}.tmp`);
    this.count++;
    // 'w' truncates: a .tmp left by a crash mid-cut must not leak old records into the new segment.
    const fh = await open(path, 'w', PRIVATE_FILE_MODE);
    try {
      await preallocate(fh, this.size);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return { path, fh };
  }
}
