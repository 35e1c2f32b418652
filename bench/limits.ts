// The physical limits the results are bounded by, measured on this machine: the latency of a
// durable 4 KiB write on the data disk (a single-client put cannot be faster than one), the
// loopback gRPC round trip, and the load generator's own ceiling against a server that does
// nothing (so a server result near it means the generator, not the server, was the limit).
// The no-op server is the generator's own kind (Go or grpc-js), in a process of its own for Go.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { unaryLoad } from './loads.js';
import type { Measurement } from './measurement.js';
import type { LoadGenerator } from './generator.js';
import { SampleBuffer, summarise, type LatencySummary } from './stats.js';

const BLOCK = 4096;

export interface Limits {
  readonly fdatasync: LatencySummary;
  /** One client, one request at a time, against a no-op gRPC server: the round trip. */
  readonly grpcRoundTrip: Measurement;
  /** 64 clients / 8 conns of puts against the no-op server: the most the generator can drive. */
  readonly generatorCeiling: Measurement;
}

export async function measureLimits(generator: LoadGenerator, dataRoot: string, quick: boolean): Promise<Limits> {
  return {
    fdatasync: await fdatasyncLatency(dataRoot, quick ? 200 : 1000),
    ...(await echoLimits(generator, quick)),
  };
}

/** write(4 KiB) + fdatasync, `rounds` times, in a fresh file under dir (the data disk). */
export async function fdatasyncLatency(dir: string, rounds: number): Promise<LatencySummary> {
  const tmp = await mkdtemp(join(dir, 'tetcd-bench-fsync-'));
  const fd = openSync(join(tmp, 'probe'), 'w');
  const block = Buffer.alloc(BLOCK, 7);
  const samples = new SampleBuffer(rounds);
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      writeSync(fd, block, 0, BLOCK, i * BLOCK);
      fdatasyncSync(fd);
      samples.record((performance.now() - t0) * 1000);
    }
  } finally {
    closeSync(fd);
    await rm(tmp, { recursive: true, force: true });
  }
  return summarise(samples.toArray());
}

async function echoLimits(generator: LoadGenerator, quick: boolean): Promise<Omit<Limits, 'fdatasync'>> {
  const echo = await generator.startEcho();
  const spec = { op: 'put', keySize: 8, valueSize: 256, sequentialKeys: true, keySpace: 0, maxDurationMs: 10_000 } as const;
  try {
    const grpcRoundTrip = await unaryLoad(generator, echo.endpoint, { ...spec, clients: 1, conns: 1, total: quick ? 1_000 : 3_000 });
    const generatorCeiling = await unaryLoad(generator, echo.endpoint, { ...spec, clients: 64, conns: 8, total: quick ? 20_000 : 60_000 });
    return { grpcRoundTrip, generatorCeiling };
  } finally {
    await echo.stop();
  }
}
