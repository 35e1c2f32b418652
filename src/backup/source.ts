// Reading a stopped member's data dir without touching it: the newest raft snapshot that its
// WAL records, and the WAL after it (no repair, no renaming of broken files, no lock).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSnapshot, type Snapshot } from '../raft/index.js';
import { WAL, type HardState, type WalEntry, type WalSnapshot } from '../wal/index.js';
import { readSnapFile } from '../snap/snapshotter.js';
import { Metadata } from '../proto/etcdserver/etcdserverpb/etcdserver.js';

const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export interface Source {
  walSnap: WalSnapshot;
  snapshot: Snapshot | undefined;
  metadata: Metadata;
  hardState: HardState;
  entries: WalEntry[];
}

export function hasWal(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.wal'));
}

export async function readSource(srcSnap: string, srcWal: string): Promise<Source> {
  const walSnaps = await WAL.validSnapshotEntries(srcWal);
  let snapshot: Snapshot | undefined;
  const names = existsSync(srcSnap) ? readdirSync(srcSnap).filter((f) => SNAP_NAME.test(f)).sort().reverse() : [];
  for (const name of names) {
    const [, t, i] = SNAP_NAME.exec(name)!;
    const pos = { term: parseInt(t!, 16), index: parseInt(i!, 16) };
    if (!walSnaps.some((w) => w.term === pos.term && w.index === pos.index)) continue;
    try {
      snapshot = decodeSnapshot((await readSnapFile(join(srcSnap, name))).data);
      break;
    } catch {
      // a broken snapshot file: an older one will do, as etcd's loader does
    }
  }
  const walSnap = snapshot ? { index: snapshot.metadata.index, term: snapshot.metadata.term } : { index: 0, term: 0 };
  const wal = await WAL.openForRead(srcWal, walSnap);
  try {
    const { metadata, hardState, entries } = await wal.readAll();
    return { walSnap, snapshot, metadata: Metadata.decode(metadata), hardState, entries };
  } finally {
    await wal.close();
  }
}

