// Shared fixtures for the WAL tests: temp dirs that are removed afterwards, and entries.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWalEntry, type WalEntry } from '../../src/wal/index.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-wal-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Entries first..last at `term`, each with a payload naming it, padded to `payloadBytes` if given. */
export function makeEntries(first: number, last: number, term: number, payloadBytes = 0): WalEntry[] {
  const out: WalEntry[] = [];
  for (let i = first; i <= last; i++) {
    const label = Buffer.from(`e${i}t${term}`);
    const payload = payloadBytes > label.length ? Buffer.concat([label, Buffer.alloc(payloadBytes - label.length, 0x5a)]) : label;
    out.push(encodeWalEntry({ index: i, term, payload }));
  }
  return out;
}

export const META = Buffer.from('tetcd-test-metadata');
