// Server resource use read from /proc (Linux): resident memory and CPU time of one process.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStats {
  /** VmRSS: resident memory, including mapped file pages (bbolt's and LMDB's mmap). */
  readonly rssMiB: number;
  /** RssAnon: resident anonymous memory (heap, stacks), without the mapped data file. */
  readonly rssAnonMiB: number;
  /** utime + stime, in seconds. */
  readonly cpuSeconds: number;
}

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK, 100 on Linux). */
const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** Current stats of a live process; throws if it is gone. */
export function readProcStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : Number.NaN;
  };
  // The command name in field 2 may contain spaces and parentheses: count from the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: kib('VmRSS') / 1024, rssAnonMiB: kib('RssAnon') / 1024, cpuSeconds: ticks / CLOCK_TICKS };
}
