// The coordinator's side of the worker processes: fork them once, then run jobs on them with a
// prepare/go barrier so every worker starts its load at the same moment.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEchoServer } from './echo-server.js';
import type { EchoServer, LoadGenerator } from './generator.js';
import type { FromWorker, Job, ToWorker, WorkerResult } from './protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Preparing may grant thousands of leases or create ten thousand watchers. */
const PREPARE_TIMEOUT_MS = 180_000;
/** Jobs bound their own duration; this only catches a stuck worker. */
const RUN_SLACK_MS = 60_000;

export interface PoolRun {
  readonly results: WorkerResult[];
  /** From the first worker's start to the last one's end, in seconds. */
  readonly wallSeconds: number;
}

export class WorkerPool implements LoadGenerator {
  readonly kind = 'node';

  private constructor(private readonly children: ChildProcess[]) {}

  static start(count: number): WorkerPool {
    // 'advanced' serialization carries the Float64Array of samples as-is.
    return new WorkerPool(Array.from({ length: count }, () => fork(WORKER_PATH, [], { serialization: 'advanced' })));
  }

  get size(): number {
    return this.children.length;
  }

  /**
   * Run jobs[i] on worker i (jobs may be fewer than workers). `beforeGo` runs once all are
   * prepared, just before the load starts (to take the server's baseline stats).
   */
  async run(jobs: readonly Job[], maxDurationMs: number, beforeGo?: () => void): Promise<PoolRun> {
    if (jobs.length > this.children.length) throw new Error(`${jobs.length} jobs for ${this.children.length} workers`);
    const used = this.children.slice(0, jobs.length);
    await Promise.all(used.map((c, i) => this.ask(c, { type: 'prepare', job: jobs[i]! }, 'ready', PREPARE_TIMEOUT_MS)));
    beforeGo?.();
    const replies = await Promise.all(used.map((c) => this.ask(c, { type: 'go' }, 'done', maxDurationMs + RUN_SLACK_MS)));
    const results = replies.map((r) => (r as Extract<FromWorker, { type: 'done' }>).result);
    const start = Math.min(...results.map((r) => r.startUs));
    const end = Math.max(...results.map((r) => r.endUs));
    return { results, wallSeconds: Math.max(1e-6, (end - start) / 1e6) };
  }

  startEcho(): Promise<EchoServer> {
    return startEchoServer();
  }

  close(): void {
    for (const c of this.children) {
      if (c.connected) c.send({ type: 'exit' } satisfies ToWorker);
    }
  }

  private ask(child: ChildProcess, msg: ToWorker, expect: FromWorker['type'], timeoutMs: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`worker ${child.pid}: no '${expect}' within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: FromWorker) => settle(m.type === 'failed' ? new Error(`worker ${child.pid}: ${m.message}`) : m);
      const onExit = (code: number | null) => settle(new Error(`worker ${child.pid} exited (${code})`));
      const settle = (v: FromWorker | Error) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(msg);
    });
  }
}
