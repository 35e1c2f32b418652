import type { Entry } from './types.js';

/** No limit for entries(lo, hi, maxSize). */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/**
 * The size of an entry as etcd's gogoproto marshals it (type, term and index
 * always present, data when non-empty). Size limits on messages and Ready
 * batches are measured in these bytes, as in etcd.
 */
export function entrySize(e: Entry): number {
  let size = 3 + varintSize(e.type) + varintSize(e.term) + varintSize(e.index);
  if (e.data.length > 0) size += 1 + varintSize(e.data.length) + e.data.length;
  return size;
}

/** The longest prefix of `ents` whose total size is ≤ maxSize, but at least one entry. */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySize(ents[limit]!);
    if (size > maxSize) break;
  }
  return ents.slice(0, limit);
}
