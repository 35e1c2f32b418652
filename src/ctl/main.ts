// tetcdctl: etcdctl 3.4 for tetcd (and etcd). ETCDCTL_API picks the command set (3 by
// default); the v3 set is a command tree with etcdctl's flags, env, output and exit codes.
import { execute, ExitCode, HELP_COMMAND, type CommandSpec, type CtlIO } from './cli/command.js';
import { GLOBAL_FLAGS } from './globals.js';
import { V3_COMMANDS } from './commands/index.js';
import { runCtlV2 } from './v2/index.js';

export type { CtlIO } from './cli/command.js';

export const ROOT: CommandSpec = {
  name: 'etcdctl',
  use: 'etcdctl',
  short: 'A simple command line client for etcd3.',
  persistentFlags: GLOBAL_FLAGS,
  subcommands: [...V3_COMMANDS, HELP_COMMAND],
};

/** Runs tetcdctl with the given arguments (without node and script) and returns the exit code. */
export async function runCtl(argv: string[], env: NodeJS.ProcessEnv, io: CtlIO): Promise<number> {
  const api = env.ETCDCTL_API ?? '3';
  if (api === '2') {
    // etcdctl unsets ETCDCTL_API before its v2 app reads the environment.
    const { ETCDCTL_API: _api, ...v2env } = env;
    return runCtlV2(argv, v2env, io);
  }
  if (api !== '3' && api !== '3.4' && api !== '') {
    io.stderr(`Error: unsupported API version: ${api}\n`);
    return ExitCode.error;
  }
  return execute(ROOT, argv, io, env);
}
