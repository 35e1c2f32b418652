// Runs the real `ETCDCTL_API=2 etcdctl` and tetcdctl on the same command line and masks what
// must differ between two runs against one server (indexes, expirations, TTL countdowns, our
// version), so that the rest can be compared byte for byte.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { runCtl } from '../../../src/ctl/main.js';
import { TETCDCTL_JS } from '../run.js';

export const REAL_ETCDCTL = '/usr/bin/etcdctl';
const TIMEOUT_MS = 15_000;

export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

export interface RunOpts {
  readonly stdin?: string;
  readonly env?: Record<string, string>;
}

/** The environment both programs get: API 2, and no ETCDCTL_* of the caller. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) e[k] = v;
  return { ...e, ETCDCTL_API: '2', ...extra };
}

export type Program = 'etcdctl' | 'tetcdctl';

function command(p: Program, args: readonly string[]): [string, string[]] {
  return p === 'etcdctl' ? [REAL_ETCDCTL, [...args]] : [process.execPath, [TETCDCTL_JS, ...args]];
}

export interface Background {
  output(): string;
  readonly done: Promise<Ran>;
  stop(): Promise<Ran>;
}

/** Starts a program; it is killed after TIMEOUT_MS at the latest. */
export function start(p: Program, args: readonly string[], opts: RunOpts = {}): Background {
  const [cmd, argv] = command(p, args);
  const child = spawn(cmd, argv, { env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  const done = new Promise<Ran>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: out, stderr: err, code });
    }),
  );
  return {
    output: () => out,
    done,
    async stop() {
      child.kill('SIGINT');
      return done;
    },
  };
}

export function run(p: Program, args: readonly string[], opts: RunOpts = {}): Promise<Ran> {
  return start(p, args, opts).done;
}

/** tetcdctl in this process (no Node start-up per case): runCtl with captured output. */
export async function runInProcess(args: readonly string[], opts: RunOpts = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await runCtl([...args], env(opts.env), {
    stdout: (c) => (stdout += typeof c === 'string' ? c : Buffer.from(c).toString()),
    stderr: (c) => (stderr += c),
    stdin: Readable.from(opts.stdin ? [Buffer.from(opts.stdin)] : []),
  });
  return { stdout, stderr, code };
}

/** Masks run-specific numbers and our version. */
export function mask(s: string): string {
  return s
    .replace(/"(createdIndex|modifiedIndex|ttl)":\d+/g, '"$1":<n>')
    .replace(/"expiration":"[^"]*"/g, '"expiration":"<t>"')
    .replace(/^(Created-Index|Modified-Index|Index|TTL): \d+$/gm, '$1: <n>')
    .replace(/\) \[\d+\]$/gm, ') [<n>]')
    .replace(/\[(\d+) != \d+\]/g, '[$1 != <n>]')
    .replace(/\/\d{20}\b/g, '/<seq>')
    .replace(/^etcdctl version: .*$/m, 'etcdctl version: <v>')
    .replace(/^VERSION:\n {3}.*$/m, 'VERSION:\n   <v>');
}

/** Sorts lines: for outputs whose order etcd does not define (unsorted directory listings). */
export function sortLines(s: string): string {
  return s.split('\n').sort().join('\n');
}
