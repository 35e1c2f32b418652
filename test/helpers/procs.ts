// Start, watch and stop server processes for tests. Every wait is bounded, stderr is kept
// (capped) for diagnostics, and children still alive when the test process exits are
// killed, so a crashed test run never leaves servers behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How much of a server's stderr is kept for failure messages. */
const STDERR_CAP_BYTES = 512 * 1024;
const READY_POLL_MS = 100;
const HEALTH_REQUEST_TIMEOUT_MS = 1000;
const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** The line etcd's zap logger (and tetcd) print once the client listeners serve. */
export const READY_LINE = 'ready to serve client requests';

export interface StartOptions {
  /** Program and arguments, e.g. ['/usr/bin/etcd', '--name', ...]. */
  readonly command: string;
  readonly args: readonly string[];
  /** A URL whose GET answers 200 with {"health":"true"} once the server serves clients. */
  readonly healthUrl: string;
  readonly readyTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ServerProcess {
  readonly pid: number;
  /** Everything the server wrote on stderr so far (the last STDERR_CAP_BYTES). */
  stderr(): string;
  /** Resolves with the exit code (or null when killed by a signal) once the process ended. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within the bound. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A fresh directory under the OS temp dir; the caller removes it with removeDir. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tetcd-${prefix}-`));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Spawn a server and resolve once it is ready; reject (after killing it) if it is not within the bound. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const child = spawn(opts.command, [...opts.args], {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderrText = '';
  let sawReadyLine = false;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (chunk.includes(READY_LINE)) sawReadyLine = true;
    stderrText += chunk;
    if (stderrText.length > STDERR_CAP_BYTES) stderrText = stderrText.slice(-STDERR_CAP_BYTES);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', (err) => {
      stderrText += `\nspawn error: ${err.message}\n`;
      live.delete(child);
      resolve(null);
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const proc: ServerProcess = {
    pid: child.pid ?? -1,
    stderr: () => stderrText,
    exited,
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      if (hasExited) return;
      child.kill('SIGTERM');
      if ((await raceTimeout(exited, timeoutMs)) === TIMED_OUT) await proc.kill9();
    },
    async kill9() {
      if (hasExited) return;
      child.kill('SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  // Ready when the server says so on stderr, or when /health answers (etcd 3.4 does not
  // always print the ready line, tetcd might not serve /health yet: either is enough).
  while (!sawReadyLine && !(await isHealthy(opts.healthUrl))) {
    if (hasExited) {
      throw new Error(`${opts.command} exited before it was ready; stderr:\n${tail(stderrText)}`);
    }
    if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`${opts.command} not ready within the bound; stderr:\n${tail(stderrText)}`);
    }
    await sleep(READY_POLL_MS);
  }
  return proc;
}

/** The last part of a long log, enough to see why something failed. */
export function tail(text: string, max = 4000): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS) });
    if (res.status !== 200) return false;
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT once ms have passed. */
export async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
