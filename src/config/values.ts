// Flag text → typed value, with the syntax and the error reasons of the Go flag.Value types
// etcd registers (strconv base-0 integers, time.ParseDuration, etcd's URL and string lists).
import { ValueError } from './errors.js';
import type { FlagSpec } from './flags.js';
import { parseUrlList, type GoUrl } from './urls.js';

/** A parsed flag value: its JS type follows FlagSpec.type (see FlagValueOf). */
export type FlagValue = string | boolean | number | string[] | GoUrl[];

// Go's flag package reports bad numbers, bools and durations with these two reasons only.
const PARSE_ERROR = 'parse error';
const RANGE_ERROR = 'value out of range';

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;
const UINT32_MAX = (1n << 32n) - 1n;

export function parseFlagValue(spec: FlagSpec, text: string): FlagValue {
  switch (spec.type) {
    case 'string':
      return text;
    case 'bool':
      return parseGoBool(text);
    case 'uint':
      return toSafeNumber(parseGoInteger(text, false, UINT64_MAX, PARSE_ERROR, RANGE_ERROR));
    case 'int':
      return toSafeNumber(parseGoInteger(text, true, INT64_MAX, PARSE_ERROR, RANGE_ERROR));
    case 'uint32':
      // etcd's own flags.uint32Value returns strconv's error unchanged.
      return Number(
        parseGoInteger(
          text,
          false,
          UINT32_MAX,
          `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`,
          `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`,
        ),
      );
    case 'duration':
      return parseGoDurationMs(text);
    case 'choice':
      if (!spec.choices?.includes(text)) throw new ValueError('invalid value');
      return text;
    case 'urls':
      return text === '' ? [] : parseUrlList(text);
    case 'url-set':
      return text === '' ? [] : parseUrlSet(text);
    case 'strings':
      return text === '' ? [] : text.split(',');
    case 'unique-strings':
      return text === '' ? [] : [...new Set(text.split(','))].sort();
    case 'ignored':
      return '';
  }
}

/** etcd's `--cors`: `*` alone is allowed, anything else must be a URL list. */
function parseUrlSet(text: string): string[] {
  if (text === '*') return ['*'];
  return [...new Set(parseUrlList(text).map((u) => u.text))].sort();
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new ValueError(PARSE_ERROR);
}

/**
 * strconv.ParseUint/ParseInt with base 0: `0x`, `0o`, `0b` prefixes, a leading `0` for
 * octal, and `_` between digits.
 */
function parseGoInteger(text: string, signed: boolean, max: bigint, syntaxMsg: string, rangeMsg: string): bigint {
  let s = text;
  let negative = false;
  if (signed && (s.startsWith('+') || s.startsWith('-'))) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  const prefix = s.slice(0, 2).toLowerCase();
  if (prefix === '0x' || prefix === '0o' || prefix === '0b') {
    base = prefix === '0x' ? 16 : prefix === '0o' ? 8 : 2;
    digits = s.slice(2);
  } else if (s.length > 1 && s.startsWith('0')) {
    base = 8;
    digits = s.slice(1);
  }
  if (s.includes('_') && !underscoresOk(s)) throw new ValueError(syntaxMsg);
  digits = digits.replaceAll('_', '');
  const alphabet = '0123456789abcdef'.slice(0, base);
  if (digits === '' || [...digits.toLowerCase()].some((c) => !alphabet.includes(c))) throw new ValueError(syntaxMsg);
  let value = 0n;
  for (const c of digits.toLowerCase()) value = value * BigInt(base) + BigInt(alphabet.indexOf(c));
  const limit = negative ? max + 1n : max;
  if (value > limit) throw new ValueError(rangeMsg);
  return negative ? -value : value;
}

/** Go's underscoreOK: each `_` sits between digits, or right after a 0x/0o/0b prefix. */
function underscoresOk(s: string): boolean {
  let i = 0;
  let saw = '^';
  if (s.length >= 2 && s[0] === '0' && 'xob'.includes(s[1]!.toLowerCase())) {
    i = 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9a-fA-F]/.test(c)) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * Integers are plain numbers in ServerConfig; a value beyond 2^53 would silently lose
 * precision, so it is refused as out of range (no etcd setting needs one).
 */
function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ValueError(RANGE_ERROR);
  return Number(v);
}

const DURATION_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration (e.g. `1h30m`, `1.5s`, `-2ms`, `0`), in milliseconds. */
export function parseGoDurationMs(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new ValueError(PARSE_ERROR);
  let totalNs = 0;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;
  while (s !== '') {
    const m = part.exec(s);
    if (!m || m[0] === '') throw new ValueError(PARSE_ERROR);
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw new ValueError(PARSE_ERROR);
    const unitNs = DURATION_UNITS_NS[unit];
    if (unitNs === undefined) throw new ValueError(PARSE_ERROR);
    totalNs += Number(`${intPart || '0'}.${fracPart ?? ''}0`) * unitNs;
    s = s.slice(whole.length);
  }
  if (totalNs > 2 ** 63) throw new ValueError(PARSE_ERROR);
  return (sign * totalNs) / 1e6;
}

/** Structural equality of two parsed values (used to tell whether a flag left its default). */
export function sameValue(a: FlagValue, b: FlagValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const text = (v: string | GoUrl) => (typeof v === 'string' ? v : v.text);
    return a.length === b.length && a.every((v, i) => text(v) === text(b[i]!));
  }
  return a === b;
}
