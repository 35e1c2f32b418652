// Runs the real etcdctl and tetcdctl on the same command line and normalises what legitimately
// differs between two runs (timestamps, client UUIDs, durations, lease IDs, revisions when asked).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { etcdctl, type CtlResult } from '../helpers/etcdctl.js';

/** build/ctl/test/ctl -> build/ctl/src/bin/tetcdctl.js */
export const TETCDCTL_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'bin', 'tetcdctl.js');
const TIMEOUT_MS = 15_000;

export interface RunOptions {
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) env[k] = v;
  return { ...env, ETCDCTL_API: '3', ...extra };
}

/** `tetcdctl --endpoints=endpoint ...args` to completion. */
export function tetcdctl(endpoint: string, args: readonly string[], opts: RunOptions = {}): Promise<CtlResult> {
  return runProgram(process.execPath, [TETCDCTL_JS, `--endpoints=${endpoint}`, ...args], opts);
}

/** The real etcdctl, with an environment of our choosing. */
export function realEtcdctl(endpoint: string, args: readonly string[], opts: RunOptions = {}): Promise<CtlResult> {
  if (!opts.env) return etcdctl(endpoint, args, { stdin: opts.stdin, timeoutMs: opts.timeoutMs });
  return runProgram('/usr/bin/etcdctl', [`--endpoints=${endpoint}`, ...args], opts);
}

function runProgram(cmd: string, args: string[], opts: RunOptions): Promise<CtlResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('latin1').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.from(out, 'latin1').toString(), stderr: err, code, timedOut });
    });
  });
}

export interface Normalise {
  /** Replace revision numbers (the two runs happen at different store revisions). */
  readonly revisions?: boolean;
}

/** Text with run-specific details replaced by placeholders. */
export function normalise(text: string, n: Normalise = {}): string {
  let s = text
    .replace(/"ts":"[^"]*"/g, '"ts":"<ts>"')
    .replace(/endpoint:\/\/client-[0-9a-f-]+\//g, 'endpoint://client-<uuid>/')
    .replace(/\d+(\.\d+)?(ns|µs|ms|s)\b/g, '<dur>')
    .replace(/\b[0-9a-f]{16}\b/g, (m) => (/[a-f]/.test(m) || m.startsWith('0') ? '<hexid>' : m))
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /gm, '<time> ');
  if (n.revisions) {
    s = s
      .replace(/"(revision|create_revision|mod_revision|Revision|CreateRevision|ModRevision|PrevCreateRevision|PrevModRevision)"( : |:)-?\d+/g, '"$1"$2<rev>')
      .replace(/"(ID|id)":\d+/g, '"$1":<leaseid>')
      .replace(/"ID" : \d+/g, '"ID" : <leaseid>');
  }
  return s;
}

/** A long-running command (watch) whose stdout is collected until stop() (SIGTERM, bounded). */
export function spawnCollect(cmd: string, args: readonly string[]): { output(): string; stop(): Promise<string> } {
  const child = spawn(cmd, [...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const killer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  return {
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      await closed;
      clearTimeout(killer);
      return out;
    },
  };
}
