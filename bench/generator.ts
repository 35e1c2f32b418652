// The load generator behind every workload: the native Go one (bench/go/loadgen, etcd's
// clientv3) when Go and etcd's Go source are installed, otherwise the Node worker processes.
// Both take the same jobs (protocol.ts) and return the same per-request samples.
import { GoGenerator, goMissing, GO_INSTALL_HINT } from './go-generator.js';
import { WorkerPool, type PoolRun } from './pool.js';
import type { Job } from './protocol.js';

export const GENERATOR_KINDS = ['go', 'node'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** A no-op KV server (Put and Range answered at once) for the physical limits. */
export interface EchoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface LoadGenerator {
  readonly kind: GeneratorKind;
  /** How many jobs a load is split into (at most; one per process or per Go job). */
  readonly size: number;
  /**
   * Prepare every job, call `beforeGo` (server baseline stats), then run them all at once.
   * jobs[i] runs on part i.
   */
  run(jobs: readonly Job[], maxDurationMs: number, beforeGo?: () => void): Promise<PoolRun>;
  /** The no-op server the generator's ceiling is measured against (the fastest one it has). */
  startEcho(): Promise<EchoServer>;
  close(): void;
}

/**
 * The generator asked for, or by default Go when it can be built here and Node otherwise
 * (saying so through `notice`). `buildDir` receives the Go binary.
 */
export function startGenerator(
  requested: GeneratorKind | undefined,
  workers: number,
  buildDir: string,
  notice: (msg: string) => void,
): LoadGenerator {
  const missing = goMissing();
  if (requested === 'go' && missing) throw new Error(`--generator go: ${missing}\n${GO_INSTALL_HINT}`);
  if (requested === 'node' || missing) {
    if (!requested) notice(`using the Node load generator: ${missing}. ${GO_INSTALL_HINT}`);
    return WorkerPool.start(workers);
  }
  return GoGenerator.build(buildDir);
}
