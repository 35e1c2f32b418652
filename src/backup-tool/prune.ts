// `tetcd-backup prune`: retention over complete sets, newest first. A set survives if any rule
// keeps it: among the newest N (--keep-last), the newest of each of the N latest days
// (--keep-daily) or ISO weeks (--keep-weekly), all in UTC like the set names. Incomplete sets
// are never counted as backups; they are removed only when older than the newest complete one.
import { setTime } from './set-name.js';
import type { SetInfo, Target } from './target.js';

export interface Retention {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
}

const dayKey = (d: Date) => d.toISOString().slice(0, 10);

/** ISO 8601 week, e.g. 2024-W01 (the week with the year's first Thursday). */
function weekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function newestPerPeriod(names: string[], key: (d: Date) => string, n: number): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.size >= n) break;
    const k = key(setTime(name)!);
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(name);
  }
  return kept;
}

/** The sets to remove under `r`. */
export function pruneSelection(sets: SetInfo[], r: Retention): string[] {
  const complete = sets.filter((s) => s.complete).map((s) => s.name).sort().reverse();
  const keep = new Set([...complete.slice(0, r.keepLast), ...newestPerPeriod(complete, dayKey, r.keepDaily), ...newestPerPeriod(complete, weekKey, r.keepWeekly)]);
  const newest = complete[0];
  const stale = sets.filter((s) => !s.complete && newest !== undefined && s.name < newest).map((s) => s.name);
  return [...complete.filter((n) => !keep.has(n)), ...stale].sort();
}

export async function prune(target: Target, r: Retention, dryRun: boolean): Promise<string[]> {
  if (r.keepLast + r.keepDaily + r.keepWeekly === 0) throw new Error('prune needs at least one of --keep-last, --keep-daily, --keep-weekly above 0');
  const doomed = pruneSelection(await target.list(), r);
  if (!dryRun) for (const s of doomed) await target.remove(s);
  return doomed;
}
