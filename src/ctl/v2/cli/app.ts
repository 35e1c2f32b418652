// urfave/cli v1's App and Command flow as etcdctl's API 2 runs it: global flags, then a command
// whose own flags are reordered before its arguments, command groups with their own help, the
// `help`/`h` command, `-h` and `-v`, and the usage errors with their exit codes.
import type { CtlIO } from '../../cli/command.js';
import { GoFlagError, reorderArgs, V2FlagSet, type V2Flag } from './flags.js';
import { appHelp, commandHelp, subcommandHelp, type AppInfo } from './help.js';

export interface V2Context {
  readonly global: V2FlagSet;
  readonly flags: V2FlagSet;
  readonly args: string[];
  readonly io: CtlIO;
  readonly env: NodeJS.ProcessEnv;
}

export interface V2Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly usage: string;
  readonly argsUsage?: string;
  /** Already laid out as urfave prints it (continuation lines indented). */
  readonly description?: string;
  readonly flags?: readonly V2Flag[];
  readonly subcommands?: readonly V2Command[];
  readonly action?: (ctx: V2Context) => Promise<void>;
}

/** Ends the program with this exit code (etcdctl's os.Exit); the output is already written. */
export class V2Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export const HELP_FLAG: V2Flag = { names: ['help', 'h'], kind: 'bool', usage: 'show help' };
const VERSION_FLAG: V2Flag = { names: ['version', 'v'], kind: 'bool', usage: 'print the version' };
const HELP_COMMAND: V2Command = { name: 'help', aliases: ['h'], usage: 'Shows a list of commands or help for one command', argsUsage: '[command]' };

function findCommand(cmds: readonly V2Command[], name: string): V2Command | undefined {
  return cmds.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

export interface V2App extends AppInfo {
  /** Lines printed for -v/--version. */
  readonly versionText: string;
}

/** Runs argv (without the program name) and returns the exit code. */
export async function runApp(app: V2App, argv: readonly string[], io: CtlIO, env: NodeJS.ProcessEnv): Promise<number> {
  const full: AppInfo = { ...app, flags: [...app.flags, HELP_FLAG, VERSION_FLAG], commands: [...app.commands, HELP_COMMAND] };
  const global = new V2FlagSet(full.flags);
  let args: string[];
  try {
    args = global.parse(argv);
  } catch (err) {
    if (!(err instanceof GoFlagError)) throw err;
    io.stdout(`Incorrect Usage. ${err.message}\n\n${appHelp(full)}`);
    io.stderr(`${err.message}\n`);
    return 1;
  }
  if (global.bool('help')) {
    io.stdout(appHelp(full));
    return 0;
  }
  if (global.bool('version')) {
    io.stdout(app.versionText);
    return 0;
  }
  try {
    const cmd = args.length > 0 ? findCommand(app.commands, args[0]!) : undefined;
    if (cmd) return await runCommand(`${app.name} ${cmd.name}`, cmd, args.slice(1), global, io, env);
    // No command, an unknown one, or `help [cmd]`: urfave's help action.
    const topic = args[0] !== undefined && findCommand([HELP_COMMAND], args[0]) ? args[1] : args[0];
    if (topic === undefined) {
      io.stdout(appHelp(full));
      return 0;
    }
    const target = findCommand(app.commands, topic);
    if (!target) {
      io.stderr(`No help topic for '${topic}'\n`);
      return 3;
    }
    io.stdout(commandHelp(`${app.name} ${target.name}`, { ...target, flags: target.flags }));
    return 0;
  } catch (err) {
    if (err instanceof V2Exit) return err.code;
    throw err;
  }
}

async function runCommand(helpName: string, cmd: V2Command, argv: string[], global: V2FlagSet, io: CtlIO, env: NodeJS.ProcessEnv): Promise<number> {
  if (cmd.subcommands) return runGroup(helpName, cmd, argv, global, io, env);
  const flags = new V2FlagSet([...(cmd.flags ?? []), HELP_FLAG]);
  let args: string[];
  try {
    args = flags.parse(reorderArgs(flags.flags, argv));
  } catch (err) {
    if (!(err instanceof GoFlagError)) throw err;
    io.stdout(`Incorrect Usage: ${err.message}\n\n${commandHelp(helpName, cmd)}`);
    io.stderr(`${err.message}\n`);
    return 1;
  }
  if (flags.bool('help')) {
    io.stdout(commandHelp(helpName, cmd));
    return 0;
  }
  await cmd.action!({ global, flags, args, io, env });
  return 0;
}

/** A command with subcommands runs as urfave's sub-app: its own help flag and help command. */
async function runGroup(helpName: string, group: V2Command, argv: string[], global: V2FlagSet, io: CtlIO, env: NodeJS.ProcessEnv): Promise<number> {
  const flags = new V2FlagSet([HELP_FLAG]);
  let args: string[];
  try {
    args = flags.parse(argv);
  } catch (err) {
    if (!(err instanceof GoFlagError)) throw err;
    io.stdout(`Incorrect Usage. ${err.message}\n\n${subcommandHelp(helpName, group, HELP_FLAG)}`);
    io.stderr(`${err.message}\n`);
    return 1;
  }
  const subs = group.subcommands ?? [];
  if (flags.bool('help') || args.length === 0) {
    io.stdout(subcommandHelp(helpName, group, HELP_FLAG));
    return 0;
  }
  const sub = findCommand(subs, args[0]!);
  if (sub) return runCommand(`${helpName} ${sub.name}`, sub, args.slice(1), global, io, env);
  const topic = findCommand([HELP_COMMAND], args[0]!) ? args[1] : args[0];
  if (topic === undefined) {
    io.stdout(subcommandHelp(helpName, group, HELP_FLAG));
    return 0;
  }
  const target = findCommand(subs, topic);
  if (!target) {
    io.stderr(`No help topic for '${topic}'\n`);
    return 3;
  }
  io.stdout(commandHelp(`${helpName} ${target.name}`, target));
  return 0;
}
