// What every tetcd-backup command shares: exit codes, the I/O it writes to, usage errors, the
// target option and "latest" set resolution.
import { Option } from 'commander';
import { LocalTarget, type Target } from './target.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_VERIFY_PROBLEMS = 3;

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

/** Bad usage: exit code 2. */
export class UsageError extends Error {}

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function pairs(list: string[], flag: string): [string, string][] {
  return list.map((s) => {
    const i = s.indexOf('=');
    if (i <= 0 || i === s.length - 1) throw new UsageError(`${flag} wants name=value, got ${JSON.stringify(s)}`);
    return [s.slice(0, i), s.slice(i + 1)];
  });
}

/** The option naming where backup sets live; every command takes it. */
export function targetOption(): Option {
  return new Option('--target <dir>', 'local directory holding backup sets');
}

export function targetOf(o: { target?: string }): Target {
  if (!o.target) throw new UsageError('--target is required');
  return new LocalTarget(o.target);
}

export async function resolveSet(target: Target, set: string): Promise<string> {
  if (set !== 'latest') return set;
  const complete = (await target.list()).filter((s) => s.complete);
  if (complete.length === 0) throw new Error(`no complete backup set in ${target.description}`);
  return complete[complete.length - 1]!.name;
}
