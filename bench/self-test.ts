// `run.js --self-test`: checks the statistics and aggregation the report rests on, in
// milliseconds and without servers.
import assert from 'node:assert/strict';
import { share } from './measurement.js';
import { keysForDbGb, parseOptions } from './options.js';
import { aggregate, ratioOf } from './report.js';
import { median, mergeSamples, percentile, SampleBuffer, summarise } from './stats.js';

export function selfTest(): void {
  // Nearest rank: 1..100 has p50 = 50, p90 = 90, p99 = 99, p100 = 100.
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 50), 50);
  assert.equal(percentile(hundred, 90), 90);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 100), 100);
  // Small sets: the rank rounds up, never below the first sample.
  assert.equal(percentile(Float64Array.of(10, 20, 30), 50), 20);
  assert.equal(percentile(Float64Array.of(10, 20, 30), 1), 10);
  assert.equal(percentile(Float64Array.of(10, 20, 30), 99), 30);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)));
  assert.throws(() => percentile(hundred, 0), RangeError);

  // The buffer grows past its capacity and keeps order; summarise sorts and converts µs to ms.
  const buf = new SampleBuffer(2);
  for (const v of [5000, 1000, 3000, 2000, 4000]) buf.record(v);
  assert.deepEqual([...buf.toArray()], [5000, 1000, 3000, 2000, 4000]);
  const s = summarise(buf.toArray());
  assert.deepEqual(s, { count: 5, meanMs: 3, p50Ms: 3, p90Ms: 5, p99Ms: 5, maxMs: 5 });
  // One slow request in a thousand shows in max and (with more than 1% slow) in p99.
  const tail = new Float64Array(1000).fill(1000);
  tail[999] = 900_000;
  assert.equal(summarise(tail).p99Ms, 1);
  assert.equal(summarise(tail).maxMs, 900);
  tail.fill(50_000, 980);
  assert.equal(summarise(tail).p99Ms, 50);

  // Merging the workers' samples loses nothing.
  assert.deepEqual([...mergeSamples([Float64Array.of(1, 2), new Float64Array(0), Float64Array.of(3)])], [1, 2, 3]);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));

  // Splitting clients or requests over workers sums to the whole.
  for (const [n, parts] of [[64, 2], [1, 2], [10_001, 3]] as const) {
    assert.equal(Array.from({ length: parts }, (_, i) => share(n, i, parts)).reduce((a, b) => a + b, 0), n);
  }

  // --db-gb picks the key count (≈413 B of bbolt db per key); --keys and --db-gb exclude each other.
  assert.equal(keysForDbGb(1), 2_421_000);
  assert.equal(parseOptions(['--db-gb', '0.5'], '/out').datasetKeys, 1_211_000);
  assert.equal(parseOptions([], '/out').datasetKeys, 1_000_000);
  assert.throws(() => parseOptions(['--db-gb', '1', '--keys', '10'], '/out'));
  assert.throws(() => parseOptions(['--generator', 'rust'], '/out'));

  // Repetitions reduce to medians; CPU per op comes from the median CPU and request count.
  const agg = aggregate([
    { value: 100, unit: 'ops/s', better: 'higher', errors: 0, server: { rssMiB: 10, rssAnonMiB: 5, cpuSeconds: 2 }, extra: { requests: 1000 } },
    { value: 300, unit: 'ops/s', better: 'higher', errors: 1, firstError: 'x', server: { rssMiB: 30, rssAnonMiB: 5, cpuSeconds: 4 }, extra: { requests: 1000 } },
    { value: 200, unit: 'ops/s', better: 'higher', errors: 0, server: { rssMiB: 20, rssAnonMiB: 5, cpuSeconds: 3 }, extra: { requests: 1000 } },
  ]);
  assert.equal(agg.value, 200);
  assert.deepEqual(agg.reps, [100, 300, 200]);
  assert.equal(agg.rssMiB, 20);
  assert.equal(agg.cpuUsPerOp, 3000);
  assert.equal(agg.errors, 1);
  assert.equal(ratioOf(50, 200), 0.25);
  assert.equal(ratioOf(50, 0), undefined);
  assert.equal(ratioOf(undefined, 3), undefined);
}
