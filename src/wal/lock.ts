// A cheap guard against two tetcd processes appending to one WAL: a lock file holding the owner's
// pid. etcd flocks every segment instead; Node has no flock. The file name ends in ".tmp" so
// etcd's tools pass over it silently, as they do with the pipeline's tmp files.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalLockedError } from './errors.js';
import { PRIVATE_FILE_MODE } from './file-util.js';

export const LOCK_FILE_NAME = 'tetcd-wal.lock.tmp';

/** Directories locked by this process: a second WAL on the same dir in-process is refused too. */
const heldHere = new Set<string>();

export async function acquireWalLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE_NAME);
  if (heldHere.has(path)) throw new WalLockedError(dir, process.pid);
  const owner = await readOwner(path);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new WalLockedError(dir, owner);
  // Missing or stale (its process is gone): take it over.
  await writeFile(path, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
  heldHere.add(path);
  return async () => {
    heldHere.delete(path);
    await rm(path, { force: true });
  };
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
