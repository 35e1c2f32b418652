// Go's time.ParseDuration and Duration.String, in milliseconds: etcdctl's timeouts are Go
// durations and its error texts name Go's parser.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "5s", "1m30s", "500ms", "-2h", "0"; throws Go's message on a bad text. */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest.length > 0) {
    const num = /^(\d*)(\.\d*)?/.exec(rest)!;
    if (num[0] === '' || num[0] === '.') throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(num[0]) * ms;
    rest = rest.slice(unit.length);
  }
  return sign * total;
}

/** Duration.String for a whole number of nanoseconds given in milliseconds ("2s", "1m30s", "1.5ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  const abs = Math.abs(ms);
  let out: string;
  if (abs < 1) {
    const ns = Math.round(abs * 1e6);
    out = ns < 1000 ? `${ns}ns` : `${trimFraction(ns / 1000)}µs`;
  } else if (abs < 1000) {
    out = `${trimFraction(abs)}ms`;
  } else {
    const h = Math.floor(abs / 3_600_000);
    const m = Math.floor((abs % 3_600_000) / 60_000);
    const s = (abs % 60_000) / 1000;
    out = h > 0 ? `${h}h${m}m${trimFraction(s)}s` : m > 0 ? `${m}m${trimFraction(s)}s` : `${trimFraction(s)}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  return Number(v.toFixed(9)).toString();
}
