// Run the REAL etcdctl (v3 API) against a server: the reference client for both targets.
import { spawn } from 'node:child_process';
import { raceTimeout, sleep, TIMED_OUT } from './procs.js';

export const ETCDCTL_BIN = '/usr/bin/etcdctl';
const DEFAULT_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const OUTPUT_POLL_MS = 25;

export interface CtlResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; null when etcdctl was stopped by a signal (timeout or stop()). */
  readonly code: number | null;
  /** True when the timeout ended it. */
  readonly timedOut: boolean;
}

export interface CtlOptions {
  readonly stdin?: string | Buffer;
  readonly timeoutMs?: number;
  /** ETCDCTL_API; default '3'. With '2' the endpoint is given as an http:// URL. */
  readonly api?: '2' | '3';
}

/** etcdctl's environment: v3 API, and no ETCDCTL_* settings leaking in from the caller. */
function ctlEnv(api: '2' | '3' = '3'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) env[k] = v;
  env.ETCDCTL_API = api;
  return env;
}

export interface BackgroundCtl {
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Wait (bounded) until stdout matches; false if it did not in time or the process ended first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
  /** Resolves when it exits by itself. */
  readonly done: Promise<CtlResult>;
  /** SIGTERM (SIGKILL after a grace period), then the result. Idempotent. */
  stop(): Promise<CtlResult>;
}

/**
 * Start `etcdctl --endpoints=endpoint ...args` without waiting for it; it is killed after
 * timeoutMs at the latest. With endpoint '' no --endpoints is added (args carry their own).
 */
export function startCtl(endpoint: string, args: readonly string[], opts: CtlOptions = {}): BackgroundCtl {
  const ep = opts.api === '2' && !endpoint.includes('://') ? `http://${endpoint}` : endpoint;
  const child = spawn(ETCDCTL_BIN, endpoint === '' ? [...args] : [`--endpoints=${ep}`, ...args], {
    env: ctlEnv(opts.api),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let finished = false;
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.on('error', () => undefined); // etcdctl may exit before reading all input
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const done = new Promise<CtlResult>((resolve) => {
    child.once('close', (code) => {
      finished = true;
      clearTimeout(timer);
      resolve({ stdout: out, stderr: err, code, timedOut });
    });
    child.once('error', (e) => {
      finished = true;
      clearTimeout(timer);
      resolve({ stdout: out, stderr: `${err}spawn error: ${e.message}\n`, code: null, timedOut });
    });
  });
  return {
    stdout: () => out,
    stderr: () => err,
    done,
    async waitFor(pattern, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (finished || Date.now() > deadline) return pattern.test(out);
        await sleep(OUTPUT_POLL_MS);
      }
      return true;
    },
    async stop() {
      if (!finished) {
        child.kill('SIGTERM');
        if ((await raceTimeout(done, STOP_GRACE_MS)) === TIMED_OUT) child.kill('SIGKILL');
      }
      return done;
    },
  };
}

/** Run `etcdctl --endpoints=endpoint ...args` to completion (bounded by timeoutMs). */
export function etcdctl(endpoint: string, args: readonly string[], opts: CtlOptions = {}): Promise<CtlResult> {
  return startCtl(endpoint, args, opts).done;
}
