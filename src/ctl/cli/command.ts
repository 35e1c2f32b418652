// A command tree with cobra's lookup, help and error behaviour as etcdctl 3.4 shows it:
// unique-prefix command matching, "unknown command" with suggestions, flag errors followed by
// the usage text, `-h/--help` and `help <cmd>`.
import { FlagError, FlagValues, parseFlags, type FlagSpec } from './flags.js';
import { usageText } from './usage.js';

/** etcdctl's exit codes (ctlv3/command/error.go). */
export const ExitCode = {
  success: 0,
  error: 1,
  badConnection: 2,
  invalidInput: 3,
  badFeature: 4,
  interrupted: 5,
  io: 6,
  badArgs: 128,
} as const;

/** An error that ends the command with `Error: <message>` on stderr and the given exit code. */
export class CtlError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.error,
    /** The message was already written (etcdctl's fatal log lines). */
    readonly silent = false,
  ) {
    super(message);
  }
}

export interface CtlIO {
  /** Standard output, written as given (text lines end with '\n'). */
  stdout(chunk: string | Uint8Array): void;
  stderr(chunk: string): void;
  /** Standard input, read on demand (txn, put without a value, interactive modes). */
  stdin: NodeJS.ReadableStream;
}

export interface RunContext {
  readonly cmd: CommandSpec;
  readonly path: readonly CommandSpec[];
  readonly args: string[];
  readonly argsLenAtDash: number;
  readonly flags: FlagValues;
  /** Names of the flags that are inherited (root and group persistent flags). */
  readonly inherited: readonly FlagSpec[];
  readonly io: CtlIO;
  readonly env: NodeJS.ProcessEnv;
}

export interface CommandSpec {
  readonly name: string;
  /** cobra's Use line after the name: `get [options] <key> [range_end]`. */
  readonly use: string;
  readonly short: string;
  readonly long?: string;
  readonly flags?: readonly FlagSpec[];
  /** Flags this command passes down to its subcommands. */
  readonly persistentFlags?: readonly FlagSpec[];
  readonly subcommands?: readonly CommandSpec[];
  readonly run?: (ctx: RunContext) => Promise<void>;
}

export function helpFlag(name: string): FlagSpec {
  return { name: 'help', short: 'h', kind: 'bool', usage: `help for ${name}` };
}

/** Flags declared on a command itself (its own, its persistent ones, and help). */
export function localFlags(cmd: CommandSpec): FlagSpec[] {
  return [...(cmd.flags ?? []), ...(cmd.persistentFlags ?? []), helpFlag(cmd.name)];
}

/** Flags inherited from the ancestors' persistent flags. */
export function inheritedFlags(path: readonly CommandSpec[]): FlagSpec[] {
  return path.slice(0, -1).flatMap((c) => c.persistentFlags ?? []);
}

function sortedChildren(cmd: CommandSpec): CommandSpec[] {
  return [...(cmd.subcommands ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The command names among argv, skipping flags and their values as cobra's stripFlags does. */
function commandWords(argv: readonly string[], flags: readonly FlagSpec[]): string[] {
  const words: string[] = [];
  const isBool = (name: string) => flags.some((f) => f.kind === 'bool' && f.name === name);
  const isBoolShort = (c: string) => flags.some((f) => f.kind === 'bool' && f.short === c);
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    if (s === '--') break;
    if ((s.startsWith('--') && !s.includes('=') && !isBool(s.slice(2))) || (s.startsWith('-') && !s.includes('=') && s.length === 2 && !isBoolShort(s.slice(1)))) {
      if (argv.length - i <= 2) break;
      i++;
      continue;
    }
    if (s !== '' && !s.startsWith('-')) words.push(s);
  }
  return words;
}

function findChild(cmd: CommandSpec, word: string): CommandSpec | undefined {
  const children = cmd.subcommands ?? [];
  const exact = children.find((c) => c.name === word);
  if (exact) return exact;
  const byPrefix = children.filter((c) => c.name.startsWith(word));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}

/** argv without the first occurrence of a command word (cobra's argsMinusFirstX). */
function withoutWord(argv: readonly string[], word: string): string[] {
  const i = argv.indexOf(word);
  return i < 0 ? [...argv] : [...argv.slice(0, i), ...argv.slice(i + 1)];
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function suggestions(cmd: CommandSpec, typed: string): string {
  const names = sortedChildren(cmd)
    .map((c) => c.name)
    .filter((n) => levenshtein(typed.toLowerCase(), n.toLowerCase()) <= 2 || n.toLowerCase().startsWith(typed.toLowerCase()));
  return names.length === 0 ? '' : `\n\nDid you mean this?\n${names.map((n) => `\t${n}\n`).join('')}`;
}

/** Runs argv against the tree rooted at `root`; returns the exit code. */
export async function execute(root: CommandSpec, argv: readonly string[], io: CtlIO, env: NodeJS.ProcessEnv): Promise<number> {
  const path: CommandSpec[] = [root];
  let rest = [...argv];
  for (;;) {
    const cur = path[path.length - 1]!;
    if (!cur.subcommands?.length) break;
    const flags = [...inheritedFlags(path), ...localFlags(cur)];
    const word = commandWords(rest, flags)[0];
    if (word === undefined) break;
    const child = findChild(cur, word);
    if (!child) {
      if (cur === root) {
        const msg = `unknown command ${JSON.stringify(word)} for "${root.name}"${suggestions(root, word)}`;
        io.stderr(`Error: ${msg}\nRun '${root.name} --help' for usage.\n`);
        io.stderr(`Error: ${msg}\n`);
        return ExitCode.error;
      }
      break;
    }
    path.push(child);
    rest = withoutWord(rest, word);
  }
  const cmd = path[path.length - 1]!;
  const inherited = inheritedFlags(path);
  const specs = [...inherited, ...localFlags(cmd)];
  const values = new FlagValues(specs);
  let parsed;
  try {
    parsed = parseFlags(rest, specs, values);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr(`Error: ${err.message}\n`);
    io.stdout(usageText(path));
    io.stderr('\n');
    io.stderr(`Error: ${err.message}\n`);
    return ExitCode.error;
  }
  if (values.bool('help')) {
    io.stdout(usageText(path));
    return ExitCode.success;
  }
  if (cmd.name === 'help' && path.length === 2) return help(root, parsed.args, io);
  if (!cmd.run) {
    io.stdout(usageText(path));
    return ExitCode.success;
  }
  try {
    await cmd.run({ cmd, path, args: parsed.args, argsLenAtDash: parsed.argsLenAtDash, flags: values, inherited, io, env });
    return ExitCode.success;
  } catch (err) {
    if (err instanceof CtlError) {
      if (!err.silent) io.stderr(`Error: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as { details?: string; message?: string };
    io.stderr(`Error: ${e.details ?? e.message ?? String(err)}\n`);
    return ExitCode.error;
  }
}

/** cobra's `help [command]`, added to the root command. */
export const HELP_COMMAND: CommandSpec = {
  name: 'help',
  use: 'help [command]',
  short: 'Help about any command',
  long: 'Help provides help for any command in the application.\nSimply type etcdctl help [path to command] for full details.',
  run: async () => undefined,
};

/** `etcdctl help [command...]`: the usage of the named command (root's if unknown). */
function help(root: CommandSpec, words: string[], io: CtlIO): number {
  const path: CommandSpec[] = [root];
  for (const w of words) {
    const child = findChild(path[path.length - 1]!, w);
    if (!child) {
      io.stderr(`Unknown help topic [${words.map((w) => `\`${w}\``).join(' ')}]\n`);
      io.stdout(usageText([root]));
      return ExitCode.success;
    }
    path.push(child);
  }
  io.stdout(usageText(path));
  return ExitCode.success;
}

export { sortedChildren };
