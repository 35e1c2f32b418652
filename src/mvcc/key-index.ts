// One key's history: etcd's keyIndex (mvcc/key_index.go). A key has generations; a generation
// starts at a creation and ends with a tombstone (then a new, empty generation follows). Each
// generation keeps its version count and its creation revision even after compaction drops its
// older revisions, which is why `ver` and `created` are stored rather than derived.
//
// Example: put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0) gives
//   generations: {created 1.0, ver 3, revs [1.0, 2.0, 3.0]}, {created 4.0, ver 2, revs [4.0, 5.0]}, {empty}
import { compareRev, type Revision } from './revision.js';

export interface Generation {
  ver: number;
  created: Revision;
  revs: Revision[];
}

export interface KeyIndex {
  generations: Generation[];
}

export interface KeyIndexGet {
  modified: Revision;
  created: Revision;
  ver: number;
}

const emptyGeneration = (): Generation => ({ ver: 0, created: { main: 0, sub: 0 }, revs: [] });

export function newKeyIndex(): KeyIndex {
  return { generations: [emptyGeneration()] };
}

export function isEmpty(ki: KeyIndex): boolean {
  return ki.generations.length === 1 && ki.generations[0]!.revs.length === 0;
}

/** The last modification (put or tombstone), or undefined for an empty index. */
export function modified(ki: KeyIndex): Revision | undefined {
  for (let i = ki.generations.length - 1; i >= 0; i--) {
    const revs = ki.generations[i]!.revs;
    if (revs.length > 0) return revs[revs.length - 1];
  }
  return undefined;
}

export function put(ki: KeyIndex, rev: Revision): void {
  const last = modified(ki);
  if (last && compareRev(rev, last) <= 0) {
    throw new Error(`mvcc: put with revision ${rev.main}.${rev.sub} not after ${last.main}.${last.sub}`);
  }
  if (ki.generations.length === 0) ki.generations.push(emptyGeneration());
  const g = ki.generations[ki.generations.length - 1]!;
  if (g.revs.length === 0) g.created = rev;
  g.revs.push(rev);
  g.ver++;
}

/** Starts a key's index from one surviving revision of a compacted history (etcd's restore). */
export function restore(created: Revision, modifiedRev: Revision, ver: number): KeyIndex {
  return { generations: [{ ver, created, revs: [modifiedRev] }] };
}

/** Ends the live generation. Returns false (etcd's ErrRevisionNotFound) if the key is not live. */
export function tombstone(ki: KeyIndex, rev: Revision): boolean {
  if (ki.generations[ki.generations.length - 1]!.revs.length === 0) return false;
  put(ki, rev);
  ki.generations.push(emptyGeneration());
  return true;
}

function findGeneration(ki: KeyIndex, atRev: number): Generation | undefined {
  const lastg = ki.generations.length - 1;
  for (let cg = lastg; cg >= 0; cg--) {
    const g = ki.generations[cg]!;
    if (g.revs.length === 0) continue;
    // a generation that ended at or before atRev means the key was deleted at atRev
    if (cg !== lastg && g.revs[g.revs.length - 1]!.main <= atRev) return undefined;
    if (g.revs[0]!.main <= atRev) return g;
  }
  return undefined;
}

/** Index (from the back) of the newest revision with main <= atRev, or -1. */
function walkBack(revs: Revision[], atRev: number): number {
  for (let i = revs.length - 1; i >= 0; i--) if (revs[i]!.main <= atRev) return i;
  return -1;
}

/** The key as of atRev: its modification, creation and version, or undefined if absent then. */
export function get(ki: KeyIndex, atRev: number): KeyIndexGet | undefined {
  const g = findGeneration(ki, atRev);
  if (!g) return undefined;
  const n = walkBack(g.revs, atRev);
  if (n === -1) return undefined;
  return { modified: g.revs[n]!, created: g.created, ver: g.ver - (g.revs.length - n - 1) };
}

/** The generation to compact at atRev and the newest revision <= atRev in it (etcd's doCompact). */
function doCompact(ki: KeyIndex, atRev: number, available: Revision[]): { genIdx: number; revIndex: number } {
  let genIdx = 0;
  while (genIdx < ki.generations.length - 1) {
    const g = ki.generations[genIdx]!;
    if (g.revs[g.revs.length - 1]!.main > atRev) break;
    genIdx++;
  }
  const revIndex = walkBack(ki.generations[genIdx]!.revs, atRev);
  if (revIndex !== -1) available.push(ki.generations[genIdx]!.revs[revIndex]!);
  return { genIdx, revIndex };
}

/**
 * Drops every revision <= atRev except the newest one of the surviving generation; returns the
 * revisions that must stay in the `key` bucket. Leaves the index empty if the key was deleted
 * at or before atRev (the caller then removes it).
 */
export function compact(ki: KeyIndex, atRev: number): Revision[] {
  const available: Revision[] = [];
  let { genIdx, revIndex } = doCompact(ki, atRev, available);
  const g = ki.generations[genIdx]!;
  if (g.revs.length > 0) {
    if (revIndex !== -1) g.revs = g.revs.slice(revIndex);
    if (g.revs.length === 1 && genIdx !== ki.generations.length - 1) {
      removeRev(available, g.revs[0]!);
      genIdx++;
    }
  }
  ki.generations = ki.generations.slice(genIdx);
  return available;
}

/** What compact(atRev) would keep, without changing the index (used by HashKV). */
export function keep(ki: KeyIndex, atRev: number): Revision[] {
  if (isEmpty(ki)) return [];
  const available: Revision[] = [];
  const { genIdx, revIndex } = doCompact(ki, atRev, available);
  const g = ki.generations[genIdx]!;
  if (g.revs.length > 0 && revIndex === g.revs.length - 1 && genIdx !== ki.generations.length - 1) {
    removeRev(available, g.revs[revIndex]!);
  }
  return available;
}

function removeRev(list: Revision[], rev: Revision): void {
  const i = list.findIndex((r) => compareRev(r, rev) === 0);
  if (i !== -1) list.splice(i, 1);
}

// Encoding: varints. generation count, then per generation: ver, created.main, created.sub,
// revision count, then each revision as (main delta from the previous main, sub).

export function encodeKeyIndex(ki: KeyIndex): Buffer {
  const out: number[] = [];
  writeVarint(out, ki.generations.length);
  for (const g of ki.generations) {
    writeVarint(out, g.ver);
    writeVarint(out, g.created.main);
    writeVarint(out, g.created.sub);
    writeVarint(out, g.revs.length);
    let prev = 0;
    for (const r of g.revs) {
      writeVarint(out, r.main - prev);
      writeVarint(out, r.sub);
      prev = r.main;
    }
  }
  return Buffer.from(out);
}

export function decodeKeyIndex(buf: Buffer): KeyIndex {
  const r = { buf, pos: 0 };
  const n = readVarint(r);
  const generations: Generation[] = [];
  for (let i = 0; i < n; i++) {
    const ver = readVarint(r);
    const created = { main: readVarint(r), sub: readVarint(r) };
    const count = readVarint(r);
    const revs: Revision[] = new Array(count);
    let prev = 0;
    for (let j = 0; j < count; j++) {
      prev += readVarint(r);
      revs[j] = { main: prev, sub: readVarint(r) };
    }
    generations.push({ ver, created, revs });
  }
  if (r.pos !== buf.length) throw new Error('mvcc: corrupt key index entry');
  return { generations };
}

/**
 * Whether an encoded key index holds a live key at the store's latest revision: its last
 * generation has revisions (a tombstone ends a generation and opens an empty one). Reads the
 * varints in place, allocating nothing — count-only ranges over millions of keys use it.
 */
export function liveAtLatest(buf: Buffer): boolean {
  const r = { buf, pos: 0 };
  const n = readVarint(r);
  let lastCount = 0;
  for (let i = 0; i < n; i++) {
    readVarint(r);
    readVarint(r);
    readVarint(r);
    lastCount = readVarint(r);
    for (let j = 0; j < 2 * lastCount; j++) readVarint(r);
  }
  return lastCount > 0;
}

/** Unsigned LEB128 of a safe integer; arithmetic rather than bit operations beyond 32 bits. */
export function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function readVarint(r: { buf: Buffer; pos: number }): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (r.pos >= r.buf.length) throw new Error('mvcc: truncated varint');
    const b = r.buf[r.pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 0x80;
  }
}
