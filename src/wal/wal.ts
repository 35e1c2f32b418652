// The write-ahead log: etcd's WAL directory, file for file. A WAL is created once (WAL.create) or
// opened at a snapshot (WAL.open) and read out with readAll(); after that it only appends.
//
// Durability contract: save() resolves only after its records are written with ONE write call
// and, when raft requires it, made durable with ONE fdatasync. The caller batches every proposal
// of a raft Ready into one save (group commit). All I/O is async, so the event loop keeps
// accepting requests while the disk syncs; operations on one WAL run strictly one after another.
import { copyFile, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Decoder, type Segment } from './decoder.js';
import { Encoder, RecordType } from './record.js';
import { FilePipeline } from './file-pipeline.js';
import { readSegmentData } from './segment-reader.js';
import { appendAt, fsyncDir, preallocate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFullyAt, zeroToEnd } from './file-util.js';
import { acquireWalLock } from './lock.js';
import { isValidSeq, readWalNames, searchIndex, walName, type SegmentName } from './names.js';
import {
  decodeEntryPosition,
  decodeHardState,
  decodeWalSnapshot,
  encodeHardState,
  encodeWalSnapshot,
} from './codec.js';
import {
  WalError,
  WalExistsError,
  WalFileNotFoundError,
  WalMetadataConflictError,
  WalSliceOutOfRangeError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
} from './errors.js';
import {
  EMPTY_HARD_STATE,
  isEmptyHardState,
  type HardState,
  type ReadAllResult,
  type WalEntry,
  type WalOptions,
  type WalSnapshot,
} from './types.js';

/** etcd's SegmentSizeBytes: 64 MB, written the way etcd writes it (64 * 1000 * 1000). */
export const SEGMENT_SIZE_BYTES = 64 * 1000 * 1000;

/** Where a torn tail was cut off by open(), and where the damaged segment was copied first. */
export interface TailRepair {
  file: string;
  offset: number;
  brokenCopy: string;
}

interface Tail {
  segment: SegmentName;
  path: string;
  fh: FileHandle;
  /** Where the next record goes: just after the last record written. */
  offset: number;
}

type Mode = 'write' | 'read';

export class WAL {
  /** Set by readAll() when it dropped a partially written record at the end of the log. */
  tailRepair: TailRepair | undefined;

  private readonly segmentSize: number;
  private metadata: Buffer = Buffer.alloc(0);
  /** The last hard state written, for MustSync and for the head of every new segment. */
  private state: HardState = EMPTY_HARD_STATE;
  /** Index of the last entry (or snapshot) saved: names the next segment. */
  private enti = 0;
  private encoder: Encoder | undefined;
  private tail: Tail | undefined;
  private pipeline: FilePipeline | undefined;
  /** Segments still needed (etcd's locked files), oldest first; the last is the tail. */
  private held: SegmentName[] = [];
  private unlock: (() => Promise<void>) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  /** Set while the WAL waits for readAll(). */
  private pending: { start: WalSnapshot; segments: SegmentName[]; mode: Mode } | undefined;

  private constructor(
    readonly dir: string,
    opts: WalOptions,
  ) {
    this.segmentSize = opts.segmentSizeBytes ?? SEGMENT_SIZE_BYTES;
  }

  /**
   * Creates a WAL in `dir` (which must not hold one yet): the first segment with a crc record,
   * `metadata` and an empty snapshot record, built in `<dir>.tmp` and renamed into place so that
   * a crash never leaves a half-initialised WAL.
   */
  static async create(dir: string, metadata: Buffer, opts: WalOptions = {}): Promise<WAL> {
    if (await hasWalFiles(dir)) throw new WalExistsError(dir);
    const tmpDir = dir.replace(/\/+$/, '') + '.tmp';
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });

    const w = new WAL(dir, opts);
    const segment: SegmentName = { name: walName(0, 0), seq: 0, index: 0 };
    const fh = await open(join(tmpDir, segment.name), 'w', PRIVATE_FILE_MODE);
    let headLength: number;
    try {
      await preallocate(fh, w.segmentSize);
      w.metadata = Buffer.from(metadata);
      w.encoder = new Encoder(0);
      const head = w.encoder.encode([
        { type: RecordType.crc },
        { type: RecordType.metadata, data: w.metadata },
        { type: RecordType.snapshot, data: encodeWalSnapshot({ index: 0, term: 0 }) },
      ]);
      await writeFullyAt(fh, head, 0);
      headLength = head.length;
      await fh.datasync();
      await rm(dir, { recursive: true, force: true });
      await rename(tmpDir, dir);
      await fsyncDir(dirname(dir));
    } catch (err) {
      await fh.close();
      throw err;
    }
    w.tail = { segment, path: join(dir, segment.name), fh, offset: headLength };
    w.held = [segment];
    await w.startAppending();
    return w;
  }

  /**
   * Opens the WAL at `snap` for appending: readAll() must be called next; it returns the records
   * after the snapshot and repairs a torn tail. `snap` must be a snapshot saved in this WAL
   * ({index: 0, term: 0} for one without snapshots).
   */
  static async open(dir: string, snap: WalSnapshot, opts: WalOptions = {}): Promise<WAL> {
    return WAL.openAt(dir, snap, 'write', opts);
  }

  /**
   * Opens the WAL at `snap` only to read it (etcd's OpenForRead): files are never modified, and a
   * torn record at the end is simply where reading stops. The WAL cannot be appended to.
   */
  static async openForRead(dir: string, snap: WalSnapshot): Promise<WAL> {
    return WAL.openAt(dir, snap, 'read', {});
  }

  /**
   * The snapshots recorded in the WAL at `dir` that are covered by its last hard state's commit
   * index (etcd's ValidSnapshotEntries): the candidates to restart from, oldest first.
   */
  static async validSnapshotEntries(dir: string): Promise<WalSnapshot[]> {
    const names = await readWalNames(dir);
    const decoder = new Decoder(await readSegments(dir, names));
    const snaps: WalSnapshot[] = [];
    let state: HardState = EMPTY_HARD_STATE;
    for (const rec of decoder.records()) {
      if (rec.type === RecordType.snapshot) snaps.push(decodeWalSnapshot(rec.data));
      else if (rec.type === RecordType.state) state = decodeHardState(rec.data);
    }
    return snaps.filter((s) => s.index <= state.commit);
  }

  private static async openAt(dir: string, snap: WalSnapshot, mode: Mode, opts: WalOptions): Promise<WAL> {
    const names = await readWalNames(dir);
    const first = searchIndex(names, snap.index);
    const segments = first < 0 ? [] : names.slice(first);
    if (first < 0 || !isValidSeq(segments)) {
      throw new WalFileNotFoundError(dir, `no continuous segment sequence holds index ${snap.index}`);
    }
    const w = new WAL(dir, opts);
    if (mode === 'write') w.unlock = await acquireWalLock(dir);
    w.pending = { start: { index: snap.index, term: snap.term }, segments, mode };
    return w;
  }

  /**
   * Reads every record after the snapshot the WAL was opened at. Later entry records overwrite
   * earlier ones with the same or a higher index, as raft truncates a conflicting suffix. In write
   * mode a torn last record is cut off (a copy of the segment is kept as `<name>.broken`) and the
   * WAL is ready to append; corruption anywhere else throws WalCorruptError.
   */
  async readAll(): Promise<ReadAllResult> {
    if (!this.pending) throw new WalError('wal: readAll() is only valid once, right after open()');
    try {
      return await this.readAllOnce();
    } catch (err) {
      // A WAL that cannot be read out cannot be appended to either: let go of the lock.
      await this.close();
      throw err;
    }
  }

  private async readAllOnce(): Promise<ReadAllResult> {
    return this.exclusive(async () => {
      const pending = this.pending!;
      this.pending = undefined;
      const { start, segments, mode } = pending;

      const decoder = new Decoder(await readSegments(this.dir, segments));
      let metadata: Buffer | undefined;
      let hardState: HardState = EMPTY_HARD_STATE;
      const entries: WalEntry[] = [];
      let match = false;
      for (const rec of decoder.records()) {
        switch (rec.type) {
          case RecordType.entry: {
            const { index, term } = decodeEntryPosition(rec.data);
            if (index > start.index) {
              const up = index - start.index - 1;
              if (up > entries.length) throw new WalSliceOutOfRangeError(index, start.index + entries.length + 1);
              entries.length = up;
              entries.push({ index, term, encoded: rec.data });
            }
            this.enti = index;
            break;
          }
          case RecordType.state:
            hardState = decodeHardState(rec.data);
            break;
          case RecordType.metadata:
            if (metadata !== undefined && !metadata.equals(rec.data)) throw new WalMetadataConflictError();
            metadata = rec.data;
            break;
          case RecordType.snapshot: {
            const s = decodeWalSnapshot(rec.data);
            if (s.index === start.index) {
              if (s.term !== start.term) throw new WalSnapshotMismatchError(s.index, start.term, s.term);
              match = true;
            }
            break;
          }
          case RecordType.crc:
            break; // checked and chained by the decoder
        }
      }
      if (!match) throw new WalSnapshotNotFoundError(start.index, start.term);

      this.metadata = metadata ?? Buffer.alloc(0);
      this.state = hardState;
      if (mode === 'write') {
        await this.openTail(segments, decoder);
        this.encoder = new Encoder(decoder.lastCrc());
        this.held = segments;
        await this.startAppending();
      }
      return { metadata: this.metadata, hardState, entries };
    });
  }

  /**
   * Appends entries and the hard state (either may be empty) with one write. It is made durable
   * with one fdatasync when `mustSync` is true; by default raft's rule decides (etcd's MustSync:
   * there are entries, or the term or vote changed). Crossing the segment size cuts a new segment.
   */
  async save(hardState: HardState | undefined, entries: readonly WalEntry[], mustSync?: boolean): Promise<void> {
    const st = hardState ?? EMPTY_HARD_STATE;
    if (isEmptyHardState(st) && entries.length === 0) return;
    return this.exclusive(async () => {
      const { tail, encoder } = this.appendable();
      const sync = mustSync ?? (entries.length > 0 || st.vote !== this.state.vote || st.term !== this.state.term);
      const records: Array<{ type: RecordType; data?: Buffer }> = entries.map((e) => ({ type: RecordType.entry, data: e.encoded }));
      if (!isEmptyHardState(st)) records.push({ type: RecordType.state, data: encodeHardState(st) });
      const buf = encoder.encode(records);
      await appendAt(tail.fh, buf, tail.offset);
      tail.offset += buf.length;
      if (entries.length > 0) this.enti = entries[entries.length - 1]!.index;
      if (!isEmptyHardState(st)) this.state = { ...st };
      if (tail.offset >= this.segmentSize) await this.cut();
      else if (sync) await tail.fh.datasync();
    });
  }

  /** Records that a raft snapshot at `snap` exists, durably. */
  async saveSnapshot(snap: WalSnapshot): Promise<void> {
    return this.exclusive(async () => {
      const { tail, encoder } = this.appendable();
      const buf = encoder.encode([{ type: RecordType.snapshot, data: encodeWalSnapshot(snap) }]);
      await writeFullyAt(tail.fh, buf, tail.offset);
      tail.offset += buf.length;
      if (this.enti < snap.index) this.enti = snap.index;
      await tail.fh.datasync();
    });
  }

  /** fdatasync the tail segment. */
  async sync(): Promise<void> {
    return this.exclusive(async () => {
      await this.appendable().tail.fh.datasync();
    });
  }

  /**
   * Lets go of segments that only hold entries before `index`, keeping the last of them (it may
   * hold entries up to `index`): etcd's ReleaseLockTo. Released segments may be purged.
   */
  async releaseLockTo(index: number): Promise<void> {
    return this.exclusive(async () => {
      let keepFrom = this.held.findIndex((s) => s.index >= index) - 1;
      if (keepFrom < -1) keepFrom = this.held.length - 1; // none >= index: all but the tail may go
      if (keepFrom <= 0) return;
      this.held = this.held.slice(keepFrom);
    });
  }

  /**
   * Deletes the oldest released segments while more than `keep` remain (etcd's --max-wals
   * purge, default 5). Segments still held are never deleted. Returns the names removed.
   */
  async purgeSegments(keep: number): Promise<string[]> {
    return this.exclusive(async () => {
      const firstHeld = this.held[0]?.name;
      const names = (await readWalNames(this.dir)).map((s) => s.name);
      const removed: string[] = [];
      while (names.length - removed.length > keep) {
        const oldest = names[removed.length]!;
        if (firstHeld === undefined || oldest >= firstHeld) break;
        await rm(join(this.dir, oldest));
        removed.push(oldest);
      }
      if (removed.length > 0) await fsyncDir(this.dir);
      return removed;
    });
  }

  /** Syncs and closes the tail, drops the preallocated spare segment and the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      this.closed = true;
      try {
        await this.pipeline?.close();
        if (this.tail) {
          await this.tail.fh.datasync();
          await this.tail.fh.close();
        }
      } finally {
        this.pipeline = undefined;
        this.tail = undefined;
        await this.unlock?.();
        this.unlock = undefined;
      }
    }, true);
  }

  // ---- internals ----

  /**
   * Cuts a new segment: the old tail is truncated to its records and synced; the new one starts
   * with the running crc, the metadata and the last hard state, is synced under a tmp name and
   * then renamed to `<seq+1>-<enti+1>.wal` (and the directory synced), so a segment file with its
   * final name is always complete.
   */
  private async cut(): Promise<void> {
    const { tail: old, encoder } = this.appendable();
    await old.fh.truncate(old.offset);
    await old.fh.datasync();

    const next = await this.pipeline!.take();
    const segment: SegmentName = { name: walName(old.segment.seq + 1, this.enti + 1), seq: old.segment.seq + 1, index: this.enti + 1 };
    const head: Array<{ type: RecordType; data?: Buffer }> = [
      { type: RecordType.crc },
      { type: RecordType.metadata, data: this.metadata },
    ];
    if (!isEmptyHardState(this.state)) head.push({ type: RecordType.state, data: encodeHardState(this.state) });
    const buf = encoder.encode(head);
    await writeFullyAt(next.fh, buf, 0);
    await next.fh.datasync();
    const path = join(this.dir, segment.name);
    await rename(next.path, path);
    await fsyncDir(this.dir);

    await old.fh.close();
    this.tail = { segment, path, fh: next.fh, offset: buf.length };
    this.held.push(segment);
  }

  /** Opens the last segment for appending, first cutting off whatever follows its last valid record. */
  private async openTail(segments: SegmentName[], decoder: Decoder): Promise<void> {
    const segment = segments[segments.length - 1]!;
    const path = join(this.dir, segment.name);
    const offset = decoder.lastOffset();
    if (decoder.torn()) {
      const brokenCopy = `${path}.broken`;
      await copyFile(path, brokenCopy);
      this.tailRepair = { file: path, offset, brokenCopy };
    }
    const fh = await open(path, 'r+');
    try {
      // Always, as etcd does: a zero length field may hide non-zero bytes of a torn write after
      // it, which appending only part-way over would turn into CRC errors on the next open.
      // The size is restored to a preallocated, 8-aligned one (a repaired file may be short).
      const { size } = await fh.stat();
      await zeroToEnd(fh, offset, Math.max(Math.ceil(size / 8) * 8, this.segmentSize));
      await fh.sync();
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.tail = { segment, path, fh, offset };
  }

  private async startAppending(): Promise<void> {
    if (!this.unlock) this.unlock = await acquireWalLock(this.dir);
    this.pipeline = new FilePipeline(this.dir, this.segmentSize);
  }

  private appendable(): { tail: Tail; encoder: Encoder } {
    if (!this.tail || !this.encoder) {
      throw new WalError(this.pending ? 'wal: readAll() must be called before appending' : 'wal: not open for appending');
    }
    return { tail: this.tail, encoder: this.encoder };
  }

  /**
   * Runs operations one at a time. After a failed write the in-memory state (offset, rolling CRC)
   * no longer matches the disk, so the WAL refuses everything but close() from then on, as etcd
   * stops the member.
   */
  private exclusive<T>(op: () => Promise<T>, closing = false): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed && !closing) throw new WalError('wal: closed');
      if (this.failure && !closing) throw this.failure;
      try {
        return await op();
      } catch (err) {
        if (!closing && !(err instanceof WalError)) this.failure ??= err as Error;
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

async function hasWalFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((n) => n.endsWith('.wal'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function readSegments(dir: string, names: readonly SegmentName[]): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const n of names) {
    const path = join(dir, n.name);
    segments.push({ path, buf: await readSegmentData(path) });
  }
  return segments;
}
