// Raft snapshot files in etcd's format: member/snap/<term %016x>-<index %016x>.snap, holding a
// snappb.Snapshot {crc: CRC32C of data, data: raftpb.Snapshot encoding}. Like the WAL this layer
// does not know what a snapshot means: it stores and returns the raftpb.Snapshot bytes, and
// decodes them only to check them and to read their term and index.
import { crc32c } from '@node-rs/crc32';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshot as SnapPb } from '../proto/etcdserver/api/snap/snappb/snap.js';
import { Snapshot as RaftSnapshot } from '../proto/raft/raftpb/raft.js';

const SNAP_SUFFIX = '.snap';
const TMP_SUFFIX = '.tmp';
const BROKEN_SUFFIX = '.broken';
const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const PRIVATE_FILE_MODE = 0o600;

/** etcd's --max-snapshots default. */
export const DEFAULT_MAX_SNAPSHOTS = 5;

export class SnapError extends Error {
  override name = 'SnapError';
}

export const ERR_EMPTY_SNAPSHOT = 'snap: empty snapshot';
export const ERR_SNAP_CRC_MISMATCH = 'snap: crc mismatch';

export interface LoadedSnapshot {
  /** File name in the snap dir. */
  name: string;
  term: number;
  index: number;
  /** The raftpb.Snapshot encoding, as given to save(). */
  data: Buffer;
}

/** A position recorded in the WAL (walpb.Snapshot), as returned by WAL.validSnapshotEntries. */
export interface SnapshotPosition {
  term: number;
  index: number;
}

export function snapName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}${SNAP_SUFFIX}`;
}

export class Snapshotter {
  constructor(readonly dir: string) {}

  /**
   * Writes a snapshot durably: to a tmp file, fsync'd, renamed to its final name, directory
   * fsync'd — a .snap file with its real name is always complete. `snapshot` is the
   * raftpb.Snapshot encoding; `term` and `index` must be its metadata's (they name the file).
   * A snapshot at index 0 is empty and, as in etcd, not written. Returns the file name.
   */
  async save(snapshot: Buffer, term: number, index: number): Promise<string | undefined> {
    if (index === 0) return undefined;
    const meta = decodeRaftSnapshot(snapshot);
    if (meta.term !== term || meta.index !== index) {
      throw new SnapError(`snap: term/index ${term}/${index} do not match the snapshot's metadata ${meta.term}/${meta.index}`);
    }
    const name = snapName(term, index);
    const body = marshalSnapFile(crc32c(snapshot, 0), snapshot);
    const tmp = join(this.dir, name + TMP_SUFFIX);
    const fh = await open(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, name));
    await fsyncDir(this.dir);
    return name;
  }

  /** The newest valid snapshot, or undefined if there is none. */
  async load(): Promise<LoadedSnapshot | undefined> {
    return this.loadMatching(() => true);
  }

  /**
   * The newest valid snapshot that the WAL also records (etcd's LoadNewestAvailable): a .snap
   * file written just before a crash, without its WAL snapshot record, is passed over. Without
   * `walSnaps` the newest valid snapshot is returned. Files that fail to read or check are
   * renamed to `<name>.broken`, as etcd does, and skipped.
   */
  async loadNewestAvailable(walSnaps?: readonly SnapshotPosition[]): Promise<LoadedSnapshot | undefined> {
    if (!walSnaps) return this.load();
    return this.loadMatching((s) => walSnaps.some((w) => w.term === s.term && w.index === s.index));
  }

  /** The .snap file names, newest first. Leftover tmp files of an interrupted save are removed. */
  async snapNames(): Promise<string[]> {
    const files = await readdir(this.dir);
    for (const f of files) {
      if (f.endsWith(SNAP_SUFFIX + TMP_SUFFIX)) await rm(join(this.dir, f), { force: true });
    }
    return files.filter((f) => SNAP_NAME.test(f)).sort().reverse();
  }

  /** Deletes the oldest .snap files beyond the newest `keep` (etcd's --max-snapshots purge). Returns the names removed. */
  async purge(keep: number = DEFAULT_MAX_SNAPSHOTS): Promise<string[]> {
    const names = await this.snapNames();
    const removed = names.slice(Math.max(keep, 0)).reverse();
    for (const name of removed) await rm(join(this.dir, name));
    if (removed.length > 0) await fsyncDir(this.dir);
    return removed;
  }

  private async loadMatching(match: (s: LoadedSnapshot) => boolean): Promise<LoadedSnapshot | undefined> {
    let names: string[];
    try {
      names = await this.snapNames();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    for (const name of names) {
      const path = join(this.dir, name);
      let snap: LoadedSnapshot;
      try {
        snap = { name, ...(await readSnapFile(path)) };
      } catch (err) {
        if (!(err instanceof SnapError)) throw err;
        await rename(path, path + BROKEN_SUFFIX);
        continue;
      }
      if (match(snap)) return snap;
    }
    return undefined;
  }
}

/** Reads and checks one .snap file (etcd's snap.Read). Throws SnapError if it is empty or corrupt. */
export async function readSnapFile(path: string): Promise<{ term: number; index: number; data: Buffer }> {
  const b = await readFile(path);
  if (b.length === 0) throw new SnapError(`${ERR_EMPTY_SNAPSHOT}: ${path}`);
  let pb: SnapPb;
  try {
    pb = SnapPb.decode(b);
  } catch (err) {
    throw new SnapError(`snap: corrupt snapshot file ${path}: ${(err as Error).message}`);
  }
  const data = pb.data ?? Buffer.alloc(0);
  if (data.length === 0 || !pb.crc) throw new SnapError(`${ERR_EMPTY_SNAPSHOT}: ${path}`);
  if (crc32c(data, 0) !== pb.crc) throw new SnapError(`${ERR_SNAP_CRC_MISMATCH}: ${path}`);
  const { term, index } = decodeRaftSnapshot(data, path);
  return { term, index, data };
}

function decodeRaftSnapshot(data: Buffer, path = 'snapshot'): { term: number; index: number } {
  let s: RaftSnapshot;
  try {
    s = RaftSnapshot.decode(data);
  } catch (err) {
    throw new SnapError(`snap: corrupt raft snapshot in ${path}: ${(err as Error).message}`);
  }
  const term = Number(s.metadata?.term ?? 0n);
  const index = Number(s.metadata?.index ?? 0n);
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index)) throw new SnapError(`snap: term/index beyond 2^53 in ${path}`);
  return { term, index };
}

/**
 * snappb.snapshot exactly as etcd's gogo code writes it: crc always (it is non-nullable), then
 * data. ts-proto's encoder would leave out a crc that happens to be 0.
 */
function marshalSnapFile(crc: number, data: Buffer): Buffer {
  return Buffer.from(new BinaryWriter().uint32(8).uint32(crc).uint32(18).bytes(data).finish());
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function hex16(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`snap: bad term/index ${n}`);
  return n.toString(16).padStart(16, '0');
}
