// Times as etcd's Go code writes them. The store keeps instants as Unix nanoseconds (bigint):
// etcd's requests carry them so (pb.Request.Expiration, .Time), and a snapshot written by etcd
// round-trips without losing precision. 0n stands for Go's zero time.Time ("permanent").

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
/** Go's zero time.Time, as encoding/json writes it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Unix nanoseconds now; the default clock, used only for TTLs shown in responses. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

/** Go's time.RFC3339Nano in UTC: fraction without trailing zeros, none when whole seconds. */
export function formatRfc3339Nano(ns: bigint): string {
  if (ns === 0n) return GO_ZERO_TIME;
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  const whole = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const fracText = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${whole}${fracText}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parse an RFC 3339 time (as Go writes it) into Unix nanoseconds; Go's zero time gives 0n. */
export function parseRfc3339(text: string): bigint {
  if (text === GO_ZERO_TIME) return 0n;
  const m = RFC3339.exec(text);
  if (m === null) throw new Error(`v2store: bad time ${JSON.stringify(text)}`);
  const ms = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`);
  if (Number.isNaN(ms)) throw new Error(`v2store: bad time ${JSON.stringify(text)}`);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0') || '0');
  return BigInt(ms) * NS_PER_MS + frac;
}

/**
 * The TTL etcd shows for an expiration: whole seconds left, rounded up, so a fresh `ttl=5`
 * shows 5 (not 6) and a key about to expire shows 1; a key past due shows 0 or less.
 */
export function ttlSeconds(expireNs: bigint, now: bigint): number {
  const left = expireNs - now;
  let ttl = left / NS_PER_S;
  if (left % NS_PER_S > 0n) ttl += 1n;
  return Number(ttl);
}
