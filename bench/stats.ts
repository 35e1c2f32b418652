// Latency summaries. Samples are kept exactly (microseconds in a Float64Array) rather than in
// a bucketed histogram: a run holds at most a few hundred thousand samples, so sorting them is
// cheap and the percentiles are exact instead of bucket-rounded.

/** Percentiles and extremes of one set of latency samples, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A growable sample buffer that a worker fills and ships to the coordinator in one piece. */
export class SampleBuffer {
  private buf: Float64Array;
  private n = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Float64Array(Math.max(1, initialCapacity));
  }

  record(valueUs: number): void {
    if (this.n === this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.n++] = valueUs;
  }

  get count(): number {
    return this.n;
  }

  /** The recorded samples (a copy trimmed to the count, safe to send over IPC). */
  toArray(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}

/** All parts concatenated, as the coordinator merges the workers' samples. */
export function mergeSamples(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The nearest-rank percentile of ascending samples: the smallest value such that at least
 * p% of the samples are at or below it (p in (0, 100]). NaN for no samples.
 */
export function percentile(sortedAsc: Float64Array, p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.min(sortedAsc.length, Math.max(1, rank)) - 1]!;
}

/** Summarise samples given in microseconds (the array is sorted in place). */
export function summarise(samplesUs: Float64Array): LatencySummary {
  samplesUs.sort();
  const n = samplesUs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samplesUs[i]!;
  const ms = (us: number) => us / 1000;
  return {
    count: n,
    meanMs: n === 0 ? Number.NaN : ms(sum / n),
    p50Ms: ms(percentile(samplesUs, 50)),
    p90Ms: ms(percentile(samplesUs, 90)),
    p99Ms: ms(percentile(samplesUs, 99)),
    maxMs: n === 0 ? Number.NaN : ms(samplesUs[n - 1]!),
  };
}

/** The median of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
