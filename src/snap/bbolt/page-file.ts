/**
 * Appends bolt pages to a file in page-id order. Pages 0 and 1 (meta) and 2
 * (freelist) are reserved and written last, once the root page and the
 * high-water mark are known; every other page is written when it is
 * allocated, batched into large positional writes.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { FREELIST_PAGE_FLAG, writeMetaPage, writePageHeader } from './format.js';
import { type NodeItems, nodeSize, writeNode } from './node.js';
import type { PageOutput } from './tree-writer.js';

const FREELIST_PGID = 2;
const FIRST_DATA_PGID = 3;
const WRITE_BATCH_BYTES = 1 << 20;
const FILE_MODE = 0o600;

export class PageFile implements PageOutput {
  private nextPgid = FIRST_DATA_PGID;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchStart: number;

  private constructor(
    private readonly handle: FileHandle,
    readonly pageSize: number,
  ) {
    this.batchStart = FIRST_DATA_PGID * pageSize;
  }

  static async create(path: string, pageSize: number): Promise<PageFile> {
    const handle = await open(path, 'w', FILE_MODE);
    return new PageFile(handle, pageSize);
  }

  async writeNode(node: NodeItems): Promise<number> {
    const pages = Math.ceil(nodeSize(node) / this.pageSize);
    const id = this.nextPgid;
    const buf = Buffer.alloc(pages * this.pageSize);
    writeNode(buf, node, id, pages - 1);
    this.nextPgid += pages;
    this.batch.push(buf);
    this.batchBytes += buf.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES) await this.flushBatch();
    return id;
  }

  /**
   * Writes the empty freelist and both meta copies pointing at `root`, syncs
   * and closes the file. Returns the file size in bytes.
   */
  async finish(root: number): Promise<number> {
    await this.flushBatch();
    const head = Buffer.alloc(FIRST_DATA_PGID * this.pageSize);
    for (const txid of [0n, 1n]) {
      writeMetaPage(head.subarray(Number(txid) * this.pageSize), {
        pageSize: this.pageSize,
        flags: 0,
        root,
        sequence: 0n,
        freelist: BigInt(FREELIST_PGID),
        pgid: this.nextPgid,
        txid,
      });
    }
    // Every page is in use, so the freelist is empty (count 0).
    writePageHeader(head.subarray(FREELIST_PGID * this.pageSize), {
      id: FREELIST_PGID,
      flags: FREELIST_PAGE_FLAG,
      count: 0,
      overflow: 0,
    });
    await writeFully(this.handle, head, 0);
    await this.handle.sync();
    await this.handle.close();
    return this.nextPgid * this.pageSize;
  }

  /** Closes the file after a failure; the caller removes it. */
  async abort(): Promise<void> {
    await this.handle.close();
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const data = Buffer.concat(this.batch, this.batchBytes);
    await writeFully(this.handle, data, this.batchStart);
    this.batchStart += this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
  }
}

async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
