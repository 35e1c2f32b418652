// Long-running tetcdctl / etcdctl processes (lock, elect, make-mirror) for the tests: output
// collected, bounded waits for a line, and a stop by a chosen signal with the exit code.
import { spawn } from 'node:child_process';
import { ETCDCTL_BIN, sleep } from '../../helpers/index.js';
import { TETCDCTL_JS } from '../run.js';

const KILL_AFTER_MS = 30_000;
const POLL_MS = 25;

export type Tool = 'tetcdctl' | 'etcdctl';

export interface Background {
  stdout(): string;
  stderr(): string;
  /** Waits (bounded) until stdout matches; false when it did not in time or the process ended. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
  readonly exited: Promise<number | string>;
  /** Sends the signal and resolves with the exit code (or the killing signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

function toolCommand(tool: Tool): [string, string[]] {
  return tool === 'tetcdctl' ? [process.execPath, [TETCDCTL_JS]] : [ETCDCTL_BIN, []];
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_') && !k.startsWith('ETCD_')) env[k] = v;
  return { ...env, ETCDCTL_API: '3' };
}

export function startTool(tool: Tool, endpoint: string, args: readonly string[]): Background {
  const [cmd, pre] = toolCommand(tool);
  const child = spawn(cmd, [...pre, `--endpoints=${endpoint}`, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let ended = false;
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, sig) => {
      ended = true;
      clearTimeout(killer);
      resolve(code ?? sig ?? 'unknown');
    }),
  );
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (pattern.test(out)) return true;
        if (ended) return false;
        await sleep(POLL_MS);
      }
      return pattern.test(out);
    },
    async stop(signal = 'SIGINT') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a tool to completion (bounded by the same kill timer). */
export async function runTool(tool: Tool, endpoint: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number | string }> {
  const b = startTool(tool, endpoint, args);
  const code = await b.exited;
  return { stdout: b.stdout(), stderr: b.stderr(), code };
}

/** Lease IDs in lock/election keys (`name/<hex>`) and revisions differ between runs. */
export function normaliseKeys(text: string): string {
  return text.replace(/\/[0-9a-f]{1,16}\b/g, '/<lease>').replace(/rev=\d+/g, 'rev=<rev>');
}
