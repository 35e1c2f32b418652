// Go's `flag` package as urfave/cli v1 drives it for etcdctl's API 2: single- or double-dash
// flags, `-name=value`, bool flags never take the next argument, parsing stops at the first
// non-flag or at `--`, and the error texts Go prints (etcdctl echoes them verbatim).
import { parseGoDuration } from '../../cli/duration.js';

export type V2FlagKind = 'bool' | 'string' | 'int' | 'duration' | 'stringSlice';

export interface V2Flag {
  /** Long name first, then aliases ("output", "o"). */
  readonly names: readonly string[];
  readonly kind: V2FlagKind;
  readonly usage: string;
  /** Default value as Go holds it ("simple", "2s", 0). */
  readonly value?: string | number;
}

export type V2FlagValue = boolean | string | number | string[];

/** Parse failure with Go's flag message ("flag provided but not defined: -x"). */
export class GoFlagError extends Error {}

export class V2FlagSet {
  private readonly values = new Map<string, V2FlagValue>();
  private readonly set = new Set<string>();

  constructor(readonly flags: readonly V2Flag[]) {
    for (const f of flags) this.values.set(f.names[0]!, defaultOf(f));
  }

  private find(name: string): V2Flag | undefined {
    return this.flags.find((f) => f.names.includes(name));
  }

  isSet(name: string): boolean {
    const f = this.find(name);
    return f !== undefined && this.set.has(f.names[0]!);
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }
  string(name: string): string {
    return this.get(name) as string;
  }
  int(name: string): number {
    return this.get(name) as number;
  }
  /** Durations in milliseconds. */
  duration(name: string): number {
    return this.get(name) as number;
  }
  slice(name: string): string[] {
    return this.get(name) as string[];
  }

  private get(name: string): V2FlagValue {
    const f = this.find(name);
    if (!f) throw new Error(`flag not defined: ${name}`);
    return this.values.get(f.names[0]!)!;
  }

  /**
   * Parses argv as flag.FlagSet.Parse does; returns the remaining positional arguments.
   * Throws GoFlagError with Go's message.
   */
  parse(argv: readonly string[]): string[] {
    let args = [...argv];
    while (args.length > 0) {
      const s = args[0]!;
      if (s.length < 2 || s[0] !== '-') break;
      let minuses = 1;
      if (s[1] === '-') {
        minuses = 2;
        if (s.length === 2) {
          args = args.slice(1);
          break;
        }
      }
      let name = s.slice(minuses);
      if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new GoFlagError(`bad flag syntax: ${s}`);
      args = args.slice(1);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq > 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      const flag = this.find(name);
      if (!flag) throw new GoFlagError(`flag provided but not defined: -${name}`);
      if (flag.kind === 'bool') {
        const text = value ?? 'true';
        const b = parseBool(text);
        if (b === undefined) throw new GoFlagError(`invalid boolean value ${goQuote(text)} for -${name}: parse error`);
        this.store(flag, b);
        continue;
      }
      if (value === undefined) {
        if (args.length === 0) throw new GoFlagError(`flag needs an argument: -${name}`);
        value = args[0]!;
        args = args.slice(1);
      }
      this.store(flag, this.convert(flag, value, name));
    }
    return args;
  }

  private convert(flag: V2Flag, text: string, name: string): V2FlagValue {
    const bad = (why = 'parse error') => new GoFlagError(`invalid value ${goQuote(text)} for flag -${name}: ${why}`);
    switch (flag.kind) {
      case 'int': {
        const v = parseGoInt(text);
        if (v === undefined) throw bad();
        if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) throw bad('value out of range');
        return Number(v);
      }
      case 'duration':
        try {
          return parseGoDuration(text);
        } catch {
          throw bad();
        }
      case 'stringSlice':
        return [...(this.set.has(flag.names[0]!) ? (this.values.get(flag.names[0]!) as string[]) : []), text];
      default:
        return text;
    }
  }

  private store(flag: V2Flag, v: V2FlagValue): void {
    this.values.set(flag.names[0]!, v);
    this.set.add(flag.names[0]!);
  }
}

function defaultOf(f: V2Flag): V2FlagValue {
  switch (f.kind) {
    case 'bool':
      return false;
    case 'int':
      return Number(f.value ?? 0);
    case 'duration':
      return parseGoDuration(String(f.value ?? '0s'));
    case 'stringSlice':
      return [];
    default:
      return String(f.value ?? '');
  }
}

function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64) syntax. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(s);
  if (!m) return undefined;
  let d = m[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(d)) d = `0o${d.slice(1)}`;
  else if (/^0[oO]/.test(d)) d = `0o${d.slice(2)}`;
  return BigInt(d) * (m[1] === '-' ? -1n : 1n);
}

/** Go's %q for the texts that appear in flag errors. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Whether arg names one of the flags (urfave's argIsFlag, used to reorder command arguments). */
export function argIsFlag(flags: readonly V2Flag[], arg: string): boolean {
  if (arg === '-' || arg === '--' || !arg.startsWith('-')) return false;
  let a = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  a = a.split('=')[0]!;
  return flags.some((f) => f.names.includes(a));
}

/**
 * urfave/cli's reorderArgs: the command's own flags (and a value following one) move before the
 * positional arguments, so `set /k v --ttl 5` works; everything after `--` stays put.
 */
export function reorderArgs(flags: readonly V2Flag[], args: readonly string[]): string[] {
  const flagsFirst: string[] = [];
  let rest: string[] = [];
  let mayBeValue = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (mayBeValue && !argIsFlag(flags, arg)) {
      mayBeValue = false;
      flagsFirst.push(arg);
    } else if (arg === '--') {
      rest = ['--', ...rest, ...args.slice(i + 1)];
      break;
    } else if (argIsFlag(flags, arg)) {
      flagsFirst.push(arg);
      mayBeValue = !arg.includes('=');
    } else {
      rest.push(arg);
    }
  }
  return [...flagsFirst, ...rest];
}
