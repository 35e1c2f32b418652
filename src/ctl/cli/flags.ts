// Command-line flags with pflag's grammar and error texts, because operators' scripts (and our
// differential tests) see etcdctl's exact messages: `--name=v`, `--name v`, `-w v`, `-wv`,
// bool flags with an optional `=value`, flags interspersed with arguments, `--` ending flags.
import { parseGoDuration } from './duration.js';

export type FlagKind = 'string' | 'bool' | 'int' | 'uint' | 'duration' | 'stringSlice' | 'stringArray';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  readonly usage: string;
  /** Default as etcdctl's help prints it and as the value before parsing ("5s", "0", "simple"). */
  readonly def?: string | boolean | number | readonly string[];
}

export type FlagValue = string | boolean | number | bigint | string[];

/** A parse failure carrying pflag's message (the caller adds `Error: ` and usage). */
export class FlagError extends Error {}

/** Typed values of one command's flags (local and inherited) after parsing. */
export class FlagValues {
  private readonly values = new Map<string, FlagValue>();
  private readonly changed = new Set<string>();

  constructor(private readonly specs: readonly FlagSpec[]) {
    for (const s of specs) this.values.set(s.name, defaultValue(s));
  }

  spec(name: string): FlagSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  /** Sets from text as pflag's Value.Set does, throwing pflag's message on a bad value. */
  set(spec: FlagSpec, text: string, display: string): void {
    try {
      const prev = this.values.get(spec.name);
      this.values.set(spec.name, convert(spec, text, this.changed.has(spec.name) ? prev : undefined));
      this.changed.add(spec.name);
    } catch (err) {
      throw new FlagError(`invalid argument ${goQuoteSimple(text)} for "${display}" flag: ${(err as Error).message}`);
    }
  }

  isChanged(name: string): boolean {
    return this.changed.has(name);
  }

  str(name: string): string {
    return this.get(name) as string;
  }
  bool(name: string): boolean {
    return this.get(name) as boolean;
  }
  int(name: string): number {
    return Number(this.get(name));
  }
  big(name: string): bigint {
    const v = this.get(name);
    return typeof v === 'bigint' ? v : BigInt(v as number);
  }
  /** Durations are held in milliseconds. */
  ms(name: string): number {
    return this.get(name) as number;
  }
  list(name: string): string[] {
    return this.get(name) as string[];
  }

  private get(name: string): FlagValue {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`flag accessed but not defined: ${name}`);
    return v;
  }
}

function defaultValue(s: FlagSpec): FlagValue {
  switch (s.kind) {
    case 'bool':
      return Boolean(s.def ?? false);
    case 'int':
    case 'uint':
      return BigInt(String(s.def ?? 0));
    case 'duration':
      return parseGoDuration(String(s.def ?? '0s'));
    case 'stringSlice':
    case 'stringArray':
      return [...((s.def as readonly string[] | undefined) ?? [])];
    default:
      return String(s.def ?? '');
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function convert(s: FlagSpec, text: string, prev: FlagValue | undefined): FlagValue {
  switch (s.kind) {
    case 'bool':
      return parseGoBool(text);
    case 'int':
      return parseGoInt(text, 'ParseInt', -INT64_MAX - 1n, INT64_MAX);
    case 'uint':
      return parseGoInt(text, 'ParseUint', 0n, UINT64_MAX);
    case 'duration':
      return parseGoDuration(text);
    case 'stringSlice': {
      // pflag's string slice: CSV-split, and repeated flags append.
      const items = text === '' ? [] : text.split(',');
      return prev === undefined ? items : [...(prev as string[]), ...items];
    }
    case 'stringArray':
      return prev === undefined ? [text] : [...(prev as string[]), text];
    default:
      return text;
  }
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuoteSimple(text)}: invalid syntax`);
}

/** strconv.ParseInt/ParseUint in base 0 or 10 as pflag uses them (base 0: 0x, 0o, 0b prefixes). */
export function parseGoInt(text: string, fn: string, min: bigint, max: bigint): bigint {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[0-9]+)$/.exec(text);
  if (!m || (fn === 'ParseUint' && m[1] !== '')) throw new Error(`strconv.${fn}: parsing ${goQuoteSimple(text)}: invalid syntax`);
  let digits = m[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1);
  else if (/^0[oO]/.test(digits)) digits = '0o' + digits.slice(2);
  const v = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  if (v < min || v > max) throw new Error(`strconv.${fn}: parsing ${goQuoteSimple(text)}: value out of range`);
  return v;
}

/** %q for the plain ASCII texts that appear in flag errors. */
function goQuoteSimple(s: string): string {
  return JSON.stringify(s);
}

export interface ParsedArgs {
  readonly args: string[];
  /** Number of positional arguments before `--`, or -1 when there was no `--` (cobra's ArgsLenAtDash). */
  readonly argsLenAtDash: number;
}

/**
 * Parses argv against the specs, filling `values`. Help flags are ordinary bools named "help".
 * Throws FlagError with pflag's text.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], values: FlagValues): ParsedArgs {
  const args: string[] = [];
  let atDash = -1;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      atDash = args.length;
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      const display = spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
      if (eq >= 0) values.set(spec, a.slice(eq + 1), display);
      else if (spec.kind === 'bool') values.set(spec, 'true', display);
      else if (i + 1 < argv.length) values.set(spec, argv[++i]!, display);
      else throw new FlagError(`flag needs an argument: ${a}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A run of shorthands: bools may be combined, the first non-bool takes the rest or the next arg.
      let rest = a.slice(1);
      while (rest.length > 0) {
        const c = rest[0]!;
        const spec = byShort.get(c);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in -${rest}`);
        const display = `-${spec.short}, --${spec.name}`;
        if (rest.length > 2 && rest[1] === '=') {
          values.set(spec, rest.slice(2), display);
          rest = '';
        } else if (spec.kind === 'bool') {
          values.set(spec, 'true', display);
          rest = rest.slice(1);
        } else if (rest.length > 1) {
          values.set(spec, rest.slice(1), display);
          rest = '';
        } else if (i + 1 < argv.length) {
          values.set(spec, argv[++i]!, display);
          rest = '';
        } else {
          throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
        }
      }
      continue;
    }
    args.push(a);
  }
  return { args, argsLenAtDash: atDash };
}

/** How pflag prints a flag's default in etcdctl's usage (help.go etcdFlagUsages). */
export function defaultText(s: FlagSpec): string {
  switch (s.kind) {
    case 'bool':
      return String(Boolean(s.def ?? false));
    case 'string':
      return JSON.stringify(String(s.def ?? ''));
    case 'stringSlice':
    case 'stringArray':
      return `[${((s.def as readonly string[] | undefined) ?? []).join(',')}]`;
    case 'duration':
      return String(s.def ?? '0s');
    default:
      return String(s.def ?? 0);
  }
}
