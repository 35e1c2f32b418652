/**
 * Read-only access to a bbolt file through positional reads on a file
 * descriptor (no mmap, no whole-file read), so that etcd data dirs and
 * snapshots of any size can be imported page by page.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  BRANCH_ELEMENT_SIZE,
  BRANCH_PAGE_FLAG,
  BUCKET_HEADER_SIZE,
  BUCKET_LEAF_FLAG,
  DEFAULT_PAGE_SIZE,
  LEAF_ELEMENT_SIZE,
  LEAF_PAGE_FLAG,
  MAGIC,
  META_SIZE,
  type Meta,
  PAGE_HEADER_SIZE,
  compareKeys,
  metaProblem,
  readMeta,
  readPageHeader,
  toPgid,
} from './format.js';

export interface BoltReader {
  readonly path: string;
  readonly pageSize: number;
  /** the meta copy in use (valid, highest txid) */
  readonly meta: Readonly<Meta>;
  /** names of the top-level buckets, in bolt's (bytewise) order */
  buckets(): Buffer[];
  hasBucket(bucket: Buffer | string): boolean;
  /**
   * Entries of a top-level bucket in key order, starting at the first key
   * >= `from`. Nested buckets inside it are skipped (etcd has none).
   * Throws if the bucket does not exist.
   */
  iterate(bucket: Buffer | string, from?: Buffer): Generator<[Buffer, Buffer]>;
  /** The value of `key` in `bucket`, or undefined when bucket or key is absent. */
  get(bucket: Buffer | string, key: Buffer): Buffer | undefined;
  close(): void;
}

/** Opens a bbolt file for reading; throws a clear error if it is not one. */
export function openBolt(path: string): BoltReader {
  const fd = openSync(path, 'r');
  try {
    return new FileBoltReader(path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** A tree's root: a page in the file, or an inline bucket's page image. */
type TreeRef = { root: number } | { inline: Buffer };

interface Element {
  key: Buffer;
  value: Buffer;
  flags: number;
}

/** Bounds the descent so a corrupt file with a page cycle fails instead of looping. */
const MAX_TREE_DEPTH = 64;

class FileBoltReader implements BoltReader {
  readonly pageSize: number;
  readonly meta: Readonly<Meta>;
  private readonly fileSize: number;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {
    this.fileSize = fstatSync(fd).size;
    const chosen = this.selectMeta();
    this.meta = chosen;
    this.pageSize = chosen.pageSize;
  }

  buckets(): Buffer[] {
    const names: Buffer[] = [];
    for (const element of this.walk({ root: this.meta.root }, undefined, 0)) {
      if (element.flags & BUCKET_LEAF_FLAG) names.push(element.key);
    }
    return names;
  }

  hasBucket(bucket: Buffer | string): boolean {
    return this.findBucket(toBuffer(bucket)) !== undefined;
  }

  *iterate(bucket: Buffer | string, from?: Buffer): Generator<[Buffer, Buffer]> {
    const name = toBuffer(bucket);
    const tree = this.findBucket(name);
    if (tree === undefined) throw new Error(`bbolt: ${this.path}: no bucket ${JSON.stringify(name.toString())}`);
    for (const element of this.walk(tree, from, 0)) {
      if (!(element.flags & BUCKET_LEAF_FLAG)) yield [element.key, element.value];
    }
  }

  get(bucket: Buffer | string, key: Buffer): Buffer | undefined {
    const tree = this.findBucket(toBuffer(bucket));
    if (tree === undefined) return undefined;
    const found = this.seek(tree, key);
    return found && !(found.flags & BUCKET_LEAF_FLAG) ? found.value : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** bolt's DB.meta(): the meta with the higher txid if it validates, else the other one. */
  private selectMeta(): Meta {
    if (this.fileSize < PAGE_HEADER_SIZE + META_SIZE) throw this.notBolt('file too short');
    const page0 = this.readAt(0, Math.min(DEFAULT_PAGE_SIZE, this.fileSize));
    const meta0 = readMeta(page0);
    // Trust meta 0's page size to locate meta 1 when it at least carries the magic.
    const pageSize = meta0.magic === MAGIC && isPageSize(meta0.pageSize) ? meta0.pageSize : DEFAULT_PAGE_SIZE;
    const candidates: { meta: Meta; problem: string | undefined }[] = [
      { meta: meta0, problem: metaProblem(page0, meta0) },
    ];
    if (this.fileSize >= 2 * pageSize) {
      const page1 = this.readAt(pageSize, pageSize);
      const meta1 = readMeta(page1);
      candidates.push({ meta: meta1, problem: metaProblem(page1, meta1) });
    }
    candidates.sort((a, b) => (a.meta.txid > b.meta.txid ? -1 : a.meta.txid < b.meta.txid ? 1 : 0));
    const valid = candidates.find((c) => c.problem === undefined && isPageSize(c.meta.pageSize));
    if (valid === undefined) {
      const problems = candidates.map((c, i) => `meta ${i}: ${c.problem ?? `bad page size ${c.meta.pageSize}`}`);
      throw this.notBolt(problems.join('; '));
    }
    const meta = valid.meta;
    if (meta.pgid * meta.pageSize > this.fileSize) {
      throw new Error(
        `bbolt: ${this.path}: truncated: high-water mark ${meta.pgid} pages of ${meta.pageSize} bytes exceeds file size ${this.fileSize}`,
      );
    }
    return meta;
  }

  private findBucket(name: Buffer): TreeRef | undefined {
    const found = this.seek({ root: this.meta.root }, name);
    if (found === undefined || !(found.flags & BUCKET_LEAF_FLAG)) return undefined;
    if (found.value.length < BUCKET_HEADER_SIZE) throw this.corrupt(`bucket ${name.toString()} value too short`);
    const root = toPgid(found.value.readBigUInt64LE(0), 'bucket root');
    // root 0 means the bucket's single leaf page is stored inline after the header
    return root === 0 ? { inline: found.value.subarray(BUCKET_HEADER_SIZE) } : { root };
  }

  /** The element with exactly `key`, if any. */
  private seek(tree: TreeRef, key: Buffer): Element | undefined {
    for (const element of this.walk(tree, key, 0)) {
      return compareKeys(element.key, key) === 0 ? element : undefined;
    }
    return undefined;
  }

  /**
   * In-order traversal from the first key >= `from`. In a branch, the child
   * to start in is the last one whose first key is <= `from` (bolt's
   * Cursor.searchBranch).
   */
  private *walk(tree: TreeRef, from: Buffer | undefined, depth: number): Generator<Element> {
    if (depth > MAX_TREE_DEPTH) throw this.corrupt('tree deeper than any real bolt tree (page cycle?)');
    const page = 'inline' in tree ? tree.inline : this.readPage(tree.root);
    const header = readPageHeader(page);
    if (header.flags & LEAF_PAGE_FLAG) {
      const count = header.count;
      let i = from === undefined ? 0 : lowerBound(count, (j) => compareKeys(this.leafKey(page, j), from) < 0);
      for (; i < count; i++) yield this.leafElement(page, i);
      return;
    }
    if (!(header.flags & BRANCH_PAGE_FLAG) || 'inline' in tree) {
      throw this.corrupt(`page ${header.id} has unexpected type flags 0x${header.flags.toString(16)}`);
    }
    const children = this.branchChildren(page, header.count);
    let start = 0;
    if (from !== undefined) {
      const firstAbove = lowerBound(children.length, (j) => compareKeys(children[j]!.key, from) <= 0);
      start = Math.max(0, firstAbove - 1);
    }
    for (let i = start; i < children.length; i++) {
      yield* this.walk({ root: children[i]!.pgid }, i === start ? from : undefined, depth + 1);
    }
  }

  private leafKey(page: Buffer, index: number): Buffer {
    const elem = PAGE_HEADER_SIZE + index * LEAF_ELEMENT_SIZE;
    const pos = elem + page.readUInt32LE(elem + 4);
    return this.slice(page, pos, page.readUInt32LE(elem + 8));
  }

  private leafElement(page: Buffer, index: number): Element {
    const elem = PAGE_HEADER_SIZE + index * LEAF_ELEMENT_SIZE;
    const flags = page.readUInt32LE(elem);
    const pos = elem + page.readUInt32LE(elem + 4);
    const ksize = page.readUInt32LE(elem + 8);
    const vsize = page.readUInt32LE(elem + 12);
    // Copies, so callers may keep entries without pinning whole pages.
    return {
      flags,
      key: Buffer.from(this.slice(page, pos, ksize)),
      value: Buffer.from(this.slice(page, pos + ksize, vsize)),
    };
  }

  private branchChildren(page: Buffer, count: number): { key: Buffer; pgid: number }[] {
    const children: { key: Buffer; pgid: number }[] = [];
    for (let i = 0; i < count; i++) {
      const elem = PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE;
      const pos = elem + page.readUInt32LE(elem);
      const key = this.slice(page, pos, page.readUInt32LE(elem + 4));
      children.push({ key, pgid: toPgid(page.readBigUInt64LE(elem + 8), 'child page') });
    }
    return children;
  }

  private slice(page: Buffer, start: number, length: number): Buffer {
    if (start + length > page.length) throw this.corrupt('element points outside its page');
    return page.subarray(start, start + length);
  }

  /** A branch or leaf page with its overflow pages. */
  private readPage(pgid: number): Buffer {
    if (pgid < 2 || pgid >= this.meta.pgid) {
      throw this.corrupt(`page ${pgid} outside the data pages 2..${this.meta.pgid - 1}`);
    }
    const first = this.readAt(pgid * this.pageSize, this.pageSize);
    const header = readPageHeader(first);
    if (header.id !== pgid) throw this.corrupt(`page ${pgid} carries id ${header.id}`);
    if (header.overflow === 0) return first;
    if (pgid + header.overflow >= this.meta.pgid) throw this.corrupt(`page ${pgid} overflows past the high-water mark`);
    return this.readAt(pgid * this.pageSize, (header.overflow + 1) * this.pageSize);
  }

  private readAt(position: number, length: number): Buffer {
    if (this.closed) throw new Error(`bbolt: ${this.path}: reader is closed`);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw this.corrupt(`unexpected end of file at ${position + done}`);
      done += n;
    }
    return buf;
  }

  private notBolt(reason: string): Error {
    return new Error(`bbolt: ${this.path} is not a valid bbolt database: ${reason}`);
  }

  private corrupt(reason: string): Error {
    return new Error(`bbolt: ${this.path}: corrupt database: ${reason}`);
  }
}

/** First index in 0..n for which `before` is false (before must be monotone). */
function lowerBound(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isPageSize(size: number): boolean {
  return size >= 512 && size <= 65536 && Number.isInteger(Math.log2(size));
}

function toBuffer(name: Buffer | string): Buffer {
  return typeof name === 'string' ? Buffer.from(name) : name;
}
