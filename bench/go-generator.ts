// The native load generator: bench/go/loadgen built once per run with Debian's Go and etcd's Go
// source (GOPATH mode), then one process per load speaking protocol.ts's prepare/go exchange
// as JSON lines over stdin/stdout.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EchoServer, LoadGenerator } from './generator.js';
import type { PoolRun } from './pool.js';
import type { Job, WorkerResult } from './protocol.js';

/** Where Debian's golang-etcd-server-dev puts etcd 3.4's source and its dependencies. */
const GOPATH = process.env['TETCD_BENCH_GOPATH'] ?? '/usr/share/gocode';
const CLIENTV3 = join(GOPATH, 'src', 'go.etcd.io', 'etcd', 'clientv3');
export const GO_INSTALL_HINT = 'For the Go generator: apt-get install golang-go golang-etcd-server-dev';
/** Preparing may grant thousands of leases or create ten thousand watchers. */
const PREPARE_TIMEOUT_MS = 180_000;
/** Jobs bound their own duration; this only catches a stuck generator. */
const RUN_SLACK_MS = 60_000;
/** Keep this much of the generator's stderr for error messages. */
const STDERR_TAIL = 2_000;

/** The loadgen sources: bench/go/loadgen beside bench/ in the repository (run.js sits 2–3 levels below it). */
function sourceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'bench', 'go', 'loadgen');
    if (existsSync(join(candidate, 'main.go'))) return candidate;
  }
  throw new Error('bench/go/loadgen not found');
}

/** Why the Go generator cannot be built here, or undefined. */
export function goMissing(): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return 'no `go` on PATH';
  }
  return existsSync(CLIENTV3) ? undefined : `etcd's Go source not found (${CLIENTV3})`;
}

export class GoGenerator implements LoadGenerator {
  readonly kind = 'go';
  /** One process runs a whole load; Go spreads its goroutines over every core. */
  readonly size = 1;

  private constructor(private readonly binary: string) {}

  /** Compile the loadgen into buildDir (Go's build cache makes later runs quick). */
  static build(buildDir: string): GoGenerator {
    const binary = join(buildDir, 'tetcd-loadgen');
    execFileSync('go', ['build', '-o', binary, '.'], {
      cwd: sourceDir(),
      env: { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: process.env['GOCACHE'] ?? join(tmpdir(), 'tetcd-bench-gocache') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return new GoGenerator(binary);
  }

  async run(jobs: readonly Job[], maxDurationMs: number, beforeGo?: () => void): Promise<PoolRun> {
    const proc = new LoadgenProcess(this.binary, []);
    try {
      proc.send(JSON.stringify(jobs));
      await proc.expect('ready', PREPARE_TIMEOUT_MS);
      beforeGo?.();
      proc.send('go');
      const done = (await proc.expect('done', maxDurationMs + RUN_SLACK_MS)) as { results: (Omit<WorkerResult, 'samplesUs'> & { samplesUs: number[] | null })[] };
      const results = done.results.map((r) => ({ ...r, samplesUs: Float64Array.from(r.samplesUs ?? []) }));
      const start = Math.min(...results.map((r) => r.startUs));
      const end = Math.max(...results.map((r) => r.endUs));
      return { results, wallSeconds: Math.max(1e-6, (end - start) / 1e6) };
    } finally {
      proc.kill();
    }
  }

  async startEcho(): Promise<EchoServer> {
    const proc = new LoadgenProcess(this.binary, ['echo']);
    try {
      const { endpoint } = (await proc.expect('listening', 10_000)) as { endpoint: string };
      return { endpoint, stop: async () => proc.kill() };
    } catch (err) {
      proc.kill();
      throw err;
    }
  }

  close(): void {}
}

/** One loadgen process: JSON lines in both directions, stderr kept for error messages. */
class LoadgenProcess {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private wake = () => {};
  private exited = false;
  private stderr = '';

  constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL)));
    // A loadgen that died makes writes fail with EPIPE; expect() reports the exit and its stderr.
    this.child.stdin!.on('error', () => {});
    this.child.on('exit', () => {
      this.exited = true;
      this.wake();
    });
    this.child.on('error', (err) => {
      this.stderr += err.message;
      this.exited = true;
      this.wake();
    });
  }

  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** The next message, which must be of type `type` ('failed' becomes an error). */
  async expect(type: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg['type'] === type) return msg;
        throw new Error(`loadgen: ${msg['type'] === 'failed' ? String(msg['message']) : `expected ${type}, got ${line.slice(0, 200)}`}`);
      }
      if (this.exited) throw new Error(`loadgen exited before '${type}': ${this.stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`loadgen: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
