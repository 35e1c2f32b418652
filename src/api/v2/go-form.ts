// Query and form parsing as Go's net/http does it (url.ParseQuery, Request.ParseForm), because
// etcd's answers to malformed input quote Go's error texts.

/** Go's maxFormSize for urlencoded bodies. */
export const MAX_FORM_BYTES = 10 << 20;

export type FormValues = Map<string, string[]>;

/** url.ParseQuery: every pair it can parse, and the first error's text (Go keeps going too). */
export function parseQuery(query: string, into: FormValues = new Map()): { values: FormValues; error?: string } {
  let error: string | undefined;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) {
      error ??= 'invalid semicolon separator in query';
      continue;
    }
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const key = queryUnescape(rawKey);
    if (typeof key !== 'string') {
      error ??= key.error;
      continue;
    }
    const value = queryUnescape(rawValue);
    if (typeof value !== 'string') {
      error ??= value.error;
      continue;
    }
    const list = into.get(key);
    if (list === undefined) into.set(key, [value]);
    else list.push(value);
  }
  return error === undefined ? { values: into } : { values: into, error };
}

/** url.QueryUnescape: '+' is a space, %XX a byte (bytes decoded as UTF-8). */
export function queryUnescape(s: string): string | { error: string } {
  return unescape(s, true);
}

/** url.PathUnescape (used for request paths): '+' stays. */
export function pathUnescape(s: string): string | { error: string } {
  return unescape(s, false);
}

function unescape(s: string, plusIsSpace: boolean): string | { error: string } {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        const bad = s.slice(i, i + 3);
        return { error: `invalid URL escape ${JSON.stringify(bad)}` };
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+' && plusIsSpace) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** strconv.ParseUint(s, 10, 64). */
export function parseGoUint64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v > UINT64_MAX ? undefined : v;
}

/** Go's path.Clean, keeping a trailing slash as net/http's ServeMux does. */
export function muxCleanPath(p: string): string {
  if (p === '') return '/';
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  let out = `/${parts.join('/')}`;
  if (p.endsWith('/') && out !== '/') out += '/';
  return out;
}
