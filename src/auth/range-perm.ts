// Key-range permissions of one user, merged over all their roles (etcd's range_perm_cache.go).
//
// Intervals follow etcd's "bytes affine" order, in which the EMPTY key stands for +infinity:
// a permission with range_end "\0" (every key >= key) is [key, +inf), a permission without
// range_end is the single key [key, key+"\0"). A request for one key passes when some permitted
// interval holds the key; a request for a range passes only when the permitted intervals that
// overlap it cover it without a gap (adjacent intervals join).
import { Permission_Type, type Permission } from '../proto/auth/authpb/auth.js';

export type PermKind = 'read' | 'write';

interface Interval {
  /** empty = +infinity */
  begin: Buffer;
  /** empty = +infinity */
  end: Buffer;
}

const INF: Buffer = Buffer.alloc(0);
const ZERO = Buffer.from([0]);

/** Compares two affine keys: the empty key is greater than every other. */
function cmp(a: Buffer, b: Buffer): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return Buffer.compare(a, b);
}

function isZero(b: Buffer): boolean {
  return b.length === 1 && b[0] === 0;
}

/** The interval a stored permission grants. */
function permInterval(p: Permission): Interval {
  const key = Buffer.from(p.key);
  if (p.range_end.length === 0) return { begin: key, end: Buffer.concat([key, ZERO]) };
  return { begin: key, end: isZero(p.range_end) ? INF : Buffer.from(p.range_end) };
}

export class RangePermissions {
  private readonly read: Interval[] = [];
  private readonly write: Interval[] = [];

  /** Merges the permissions of every role the user has (missing roles are skipped as etcd does). */
  static merge(roles: Iterable<readonly Permission[]>): RangePermissions {
    const rp = new RangePermissions();
    for (const perms of roles) {
      for (const p of perms) {
        const ivl = permInterval(p);
        if (p.permType === Permission_Type.READ || p.permType === Permission_Type.READWRITE) rp.read.push(ivl);
        if (p.permType === Permission_Type.WRITE || p.permType === Permission_Type.READWRITE) rp.write.push(ivl);
      }
    }
    const byBegin = (a: Interval, b: Interval) => cmp(a.begin, b.begin);
    rp.read.sort(byBegin);
    rp.write.sort(byBegin);
    return rp;
  }

  /**
   * Whether `kind` access to [key, rangeEnd) is permitted. An empty rangeEnd asks for the key
   * alone; "\0" for every key >= key.
   */
  permits(kind: PermKind, key: Buffer, rangeEnd: Buffer): boolean {
    const ivls = kind === 'read' ? this.read : this.write;
    if (rangeEnd.length === 0) {
      const point = { begin: key, end: Buffer.concat([key, ZERO]) };
      return ivls.some((i) => overlaps(i, point));
    }
    return covers(ivls, { begin: key, end: isZero(rangeEnd) ? INF : rangeEnd });
  }
}

function overlaps(a: Interval, b: Interval): boolean {
  return cmp(a.begin, b.end) < 0 && cmp(b.begin, a.end) < 0;
}

/** Whether the intervals overlapping `want` join into one run that covers it (sorted by begin). */
function covers(sorted: readonly Interval[], want: Interval): boolean {
  let minBegin: Buffer | undefined;
  let maxEnd: Buffer = INF;
  for (const i of sorted) {
    if (!overlaps(i, want)) continue;
    if (minBegin === undefined) {
      minBegin = i.begin;
      maxEnd = i.end;
      continue;
    }
    if (cmp(maxEnd, i.begin) < 0) return false;
    if (cmp(i.end, maxEnd) > 0) maxEnd = i.end;
  }
  return minBegin !== undefined && cmp(maxEnd, want.end) >= 0 && cmp(minBegin, want.begin) <= 0;
}
