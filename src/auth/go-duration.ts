// Go's time.ParseDuration, for option values etcd parses with it (the JWT `ttl=5m`).
const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration ("300s", "1h30m", "1.5h"); throws on anything Go rejects. */
export function parseGoDuration(s: string): number {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration "${s}"`);
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (m === null) throw new Error(`time: invalid duration "${s}"`);
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
