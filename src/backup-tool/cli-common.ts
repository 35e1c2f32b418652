// What every tetcd-backup command shares: exit codes, the I/O it writes to, usage errors, the
// target option and "latest" set resolution.
import { Option, type Command } from 'commander';
import { setProgressOutput } from './progress.js';
import { LocalTarget, type Target } from './target.js';
import { S3Target, s3SettingsFromUrl } from './target-s3.js';

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
  return new Option(
    '--target <dir|url>',
    'where backup sets live: a local directory, or s3://bucket/prefix[?endpoint=URL&region=R&force-path-style=true' +
      '&multipart-threshold=64MiB&part-size=16MiB&max-attempts=3&connect-timeout=5&idle-timeout=60&checksum=sha256|md5]; ' +
      'S3 keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or AWS_PROFILE (the AWS SDK chain), ' +
      'region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL',
  );
}

/** The target `--target` names; `env` supplies the AWS settings of an s3:// target. */
export function targetOf(o: { target?: string }, env: NodeJS.ProcessEnv = process.env): Target {
  if (!o.target) throw new UsageError('--target is required');
  if (/^s3:/i.test(o.target)) {
    // a notice about future Node support on every run would land in cron mail; not ours to show
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    try {
      return new S3Target(s3SettingsFromUrl(o.target, env));
    } catch (err) {
      throw new UsageError(`--target: ${(err as Error).message}`);
    }
  }
  return new LocalTarget(o.target);
}

/** The global --no-progress; bars are drawn on stderr when it is a terminal, unless turned off. */
export function addProgressOption(p: Command, io: CliIo): void {
  p.option('--no-progress', 'no progress bars on stderr (also TETCD_BACKUP_NO_PROGRESS=1; never drawn when stderr is not a terminal)').hook('preAction', (root) => {
    setProgressOutput({ isTTY: process.stderr.isTTY, columns: process.stderr.columns, write: io.stderr }, root.opts().progress !== false && io.env.TETCD_BACKUP_NO_PROGRESS !== '1');
  });
}

export async function resolveSet(target: Target, set: string): Promise<string> {
  if (set !== 'latest') return set;
  const complete = (await target.list()).filter((s) => s.complete);
  if (complete.length === 0) throw new Error(`no complete backup set in ${target.description}`);
  return complete[complete.length - 1]!.name;
}
