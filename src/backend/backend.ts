// The v3 backend: etcd's buckets as named sub-databases of ONE LMDB environment in one file
// (`member/snap/db`; lmdb-js adds `db-lock` beside it).
//
// Durability: the environment is opened with `noSync`, so a commit does not fsync. That is safe
// because the raft WAL is the durable record (fsync'd before any ack) and the backend stores the
// consistent index (the raft index of the last applied entry, meta `consistent_index`) in the
// same LMDB transaction as the data it describes. LMDB's copy-on-write commit leaves the file at
// some complete earlier transaction after a crash, so on restart the server reads the consistent
// index and replays the WAL entries after it. The one obligation: before the server creates a
// raft snapshot and releases WAL segments it must call `sync()`, which forces everything to disk.
import { renameSync, rmSync, statSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ALL_BUCKETS, ETCD_BUCKETS, type Bucket, type EtcdBucket } from './buckets.js';
import { checkLmdbFile, detectDbFormat } from './db-format.js';
import { crc32c } from '@node-rs/crc32';

export interface KeyValuePair {
  key: Buffer;
  value: Buffer;
}

/** Reads. `range` iterates [start, end) in key order; `end` undefined means to the bucket's end. */
export interface ReadTx {
  get(bucket: Bucket, key: Buffer): Buffer | undefined;
  range(bucket: Bucket, start: Buffer, end?: Buffer, limit?: number): Iterable<KeyValuePair>;
  /** The bucket's greatest entry. */
  last(bucket: Bucket): KeyValuePair | undefined;
}

/** Reads and writes inside one write transaction; reads see the transaction's own writes. */
export interface BatchTx extends ReadTx {
  put(bucket: Bucket, key: Buffer, value: Buffer): void;
  delete(bucket: Bucket, key: Buffer): void;
}

export interface BackendOptions {
  /** LMDB map size to start with in bytes; LMDB grows it as needed. */
  initialMapSize?: number;
}

/** etcd's DefaultIgnores: the consistent index is excluded from Hash(). */
const HASH_IGNORES = new Set(['meta/consistent_index']);
const MAX_DBS = 20;
/** How stale size() may be, in ms. */
const SIZE_REFRESH_MS = 100;
const META_PAGES = 2;

interface TreeStat {
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  overflowPages: number;
}

function treePages(s: TreeStat): number {
  return s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

type Dbs = Map<Bucket, Database<Buffer, Buffer>>;

export class Backend implements BatchTx {
  private env!: RootDatabase<Buffer, Buffer>;
  private dbs!: Dbs;
  /** Depth of nested write() calls: nested calls join the outer LMDB transaction. */
  private writeDepth = 0;
  private defragmenting = false;
  private closed = false;
  private cachedSize = 0;
  private sizeReadAt = -Infinity;

  private constructor(
    readonly path: string,
    private readonly options: BackendOptions,
  ) {
    this.openEnv();
  }

  /**
   * Opens (or creates) the backend file. Fails with a clear error if the file exists but is not
   * a complete LMDB environment (a bbolt file is detected and named, for the importer).
   */
  static open(path: string, options: BackendOptions = {}): Backend {
    const format = detectDbFormat(path);
    if (format === 'bbolt') throw new BackendError(`backend: ${path} is an etcd bbolt file; import it first`);
    if (format === 'unknown') throw new BackendError(`backend: ${path} is not an LMDB file`);
    if (format === 'lmdb') {
      const problem = checkLmdbFile(path);
      if (problem) throw new BackendError(`backend: ${path}: ${problem}`);
    }
    return new Backend(path, options);
  }

  private openEnv(): void {
    this.env = open<Buffer, Buffer>({
      path: this.path,
      noSubdir: true,
      noSync: true,
      maxDbs: MAX_DBS,
      encoding: 'binary',
      keyEncoding: 'binary',
      ...(this.options.initialMapSize ? { mapSize: this.options.initialMapSize } : {}),
    });
    this.dbs = new Map();
    for (const name of ALL_BUCKETS) {
      this.dbs.set(name, this.env.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' }));
    }
  }

  private db(bucket: Bucket): Database<Buffer, Buffer> {
    if (this.closed) throw new BackendError('backend: closed');
    const db = this.dbs.get(bucket);
    if (!db) throw new BackendError(`backend: unknown bucket ${bucket}`);
    return db;
  }

  /**
   * Runs `fn` synchronously in ONE LMDB write transaction and commits it. Nested calls run inside
   * the outer transaction, so a server apply batch of many entries is one commit. If `fn` throws,
   * an outermost transaction is rolled back; a nested one is not (callers make all their checks
   * before their first write, as etcd's appliers do).
   */
  write<T>(fn: (tx: BatchTx) => T): T {
    if (this.defragmenting) throw new BackendError('backend: write during defragmentation');
    if (this.writeDepth > 0) {
      this.writeDepth++;
      try {
        return fn(this);
      } finally {
        this.writeDepth--;
      }
    }
    this.writeDepth = 1;
    try {
      return this.env.transactionSync(() => fn(this)) as T;
    } finally {
      this.writeDepth = 0;
    }
  }

  /** Whether a write() is running (reads then see its uncommitted writes). */
  inWrite(): boolean {
    return this.writeDepth > 0;
  }

  /** Whether a new outermost write() can start now (not inside one, not defragmenting). */
  canStartWrite(): boolean {
    return this.writeDepth === 0 && !this.defragmenting && !this.closed;
  }

  /** A read view outside a write; within one synchronous turn it sees one consistent snapshot. */
  readTx(): ReadTx {
    return this;
  }

  get(bucket: Bucket, key: Buffer): Buffer | undefined {
    return this.db(bucket).getBinary(key) ?? undefined;
  }

  *range(bucket: Bucket, start: Buffer, end?: Buffer, limit?: number): Iterable<KeyValuePair> {
    const options: { start: Buffer; end?: Buffer; limit?: number } = { start };
    if (end !== undefined) options.end = end;
    if (limit !== undefined && limit > 0) options.limit = limit;
    for (const { key, value } of this.db(bucket).getRange(options)) {
      yield { key: key as Buffer, value: value as Buffer };
    }
  }

  last(bucket: Bucket): KeyValuePair | undefined {
    for (const { key, value } of this.db(bucket).getRange({ reverse: true, limit: 1 })) {
      return { key: key as Buffer, value: value as Buffer };
    }
    return undefined;
  }

  put(bucket: Bucket, key: Buffer, value: Buffer): void {
    this.assertWriting();
    this.db(bucket).putSync(key, value);
  }

  delete(bucket: Bucket, key: Buffer): void {
    this.assertWriting();
    this.db(bucket).removeSync(key);
  }

  private assertWriting(): void {
    if (this.writeDepth === 0) throw new BackendError('backend: put/delete outside write()');
  }

  /** Every entry of a bucket in key order (the bbolt snapshot exporter reads buckets this way). */
  forEachBucket(bucket: Bucket, cb: (key: Buffer, value: Buffer) => void): void {
    for (const { key, value } of this.db(bucket).getRange({})) cb(key as Buffer, value as Buffer);
  }

  /** Forces all committed transactions to disk (fsync). */
  sync(): Promise<void> {
    const env = this.env as unknown as { sync(cb: (err?: Error) => void): void };
    return new Promise((resolve, reject) => env.sync((err) => (err ? reject(err) : resolve())));
  }

  /**
   * The file size in bytes. Read from the file at most every SIZE_REFRESH_MS: it is asked on
   * every write request (the quota check) and a stat per request costs more than the write's
   * backend commit. etcd's Size() is likewise refreshed on its batch commits, not per request.
   */
  size(): number {
    const now = Date.now();
    if (now - this.sizeReadAt >= SIZE_REFRESH_MS) {
      this.cachedSize = statSync(this.path).size;
      this.sizeReadAt = now;
    }
    return this.cachedSize;
  }

  /**
   * Bytes in pages that hold data (etcd's SizeInUse): the two meta pages plus every page of every
   * B+tree (the main DB, each named DB and LMDB's free-list DB). Pages on the free list are not counted.
   */
  sizeInUse(): number {
    const root = this.env.getStats() as TreeStat & { pageSize: number; root: TreeStat; free: TreeStat };
    let pages = META_PAGES + treePages(root.root) + treePages(root.free);
    for (const db of this.dbs.values()) pages += treePages(db.getStats() as TreeStat);
    return pages * root.pageSize;
  }

  /**
   * etcd's Backend.Hash(DefaultIgnores): CRC-32C over every etcd bucket in name order, each its
   * name then its keys and values, skipping meta/consistent_index.
   */
  hash(): number {
    let h = 0;
    for (const bucket of ETCD_BUCKETS satisfies readonly EtcdBucket[]) {
      h = crc32c(Buffer.from(bucket), h);
      for (const { key, value } of this.db(bucket).getRange({})) {
        if (HASH_IGNORES.has(`${bucket}/${(key as Buffer).toString('latin1')}`)) continue;
        h = crc32c(key as Buffer, h);
        h = crc32c(value as Buffer, h);
      }
    }
    return h >>> 0;
  }

  /**
   * Really shrinks the file: a compacting copy to a temp file, then swap and reopen. Writes are
   * refused meanwhile (the server must await this before applying more entries).
   */
  async defragment(): Promise<void> {
    if (this.writeDepth > 0) throw new BackendError('backend: defragment inside write()');
    this.defragmenting = true;
    const tmp = `${this.path}.defrag`;
    try {
      rmSync(tmp, { force: true });
      await this.env.backup(tmp, true);
      await this.env.close();
      renameSync(tmp, this.path);
      this.openEnv();
      this.sizeReadAt = -Infinity;
    } finally {
      rmSync(tmp, { force: true });
      this.defragmenting = false;
    }
  }

  /**
   * Replaces the whole database with the file at `path` (a raft snapshot's db received from the
   * leader): the file is checked, renamed over ours and opened. The Backend object stays the
   * same, so everything holding it keeps working; callers reload what they derived from it.
   */
  async replaceWith(path: string): Promise<void> {
    if (this.writeDepth > 0) throw new BackendError('backend: replace inside write()');
    const format = detectDbFormat(path);
    if (format !== 'lmdb') throw new BackendError(`backend: ${path} is not an LMDB file (${format})`);
    const problem = checkLmdbFile(path);
    if (problem) throw new BackendError(`backend: ${path}: ${problem}`);
    this.defragmenting = true;
    try {
      await this.env.close();
      renameSync(path, this.path);
      rmSync(`${path}-lock`, { force: true });
      this.openEnv();
      this.sizeReadAt = -Infinity;
    } finally {
      this.defragmenting = false;
    }
  }

  /** A consistent copy of the whole file at `path` (LMDB's hot backup); writes may go on. */
  async copyTo(path: string): Promise<void> {
    if (this.closed) throw new BackendError('backend: closed');
    await this.env.backup(path, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }
}
