// tetcdctl: etcdctl for tetcd (and etcd). ETCDCTL_API picks the command set; flags fall back to
// ETCDCTL_<FLAG> environment variables as in etcdctl.
import { Command, CommanderError } from 'commander';
import { registerV3Commands, CtlError, ExitCode, type GlobalOptions } from './v3-commands.js';
import { TETCD_VERSION } from '../config/version.js';

export interface CtlIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

function envDefault(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  return env[`ETCDCTL_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
}

/** Runs tetcdctl with the given arguments (without node and script) and returns the exit code. */
export async function runCtl(argv: string[], env: NodeJS.ProcessEnv, io: CtlIO): Promise<number> {
  const api = env.ETCDCTL_API ?? '3';
  if (api === '2') {
    if (argv.includes('-v') || argv.includes('--version')) {
      io.out(`etcdctl version: ${TETCD_VERSION}`);
      io.out('API version: 2');
      return ExitCode.success;
    }
    io.err('Error: the v2 command set of tetcdctl is not available yet (ETCDCTL_API=2); use ETCDCTL_API=3');
    return ExitCode.error;
  }
  if (api !== '3' && api !== '3.4') {
    io.err(`Error: unsupported API version: ${api}`);
    return ExitCode.error;
  }
  const program = new Command('tetcdctl');
  program
    .description('A simple command line client for etcd3 (tetcd).')
    .option('--endpoints <list>', 'gRPC endpoints', envDefault(env, 'endpoints', '127.0.0.1:2379'))
    .option('--dial-timeout <duration>', 'dial timeout for client connections', envDefault(env, 'dial-timeout', '2s'))
    .option('--command-timeout <duration>', 'timeout for short running command (excluding dial timeout)', envDefault(env, 'command-timeout', '5s'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  registerV3Commands(program, () => program.opts<GlobalOptions>(), io.out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.success;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.success : ExitCode.badArgs;
    if (err instanceof CtlError) {
      io.err(`Error: ${err.message}`);
      return err.exitCode;
    }
    io.err(`Error: ${(err as Error).message}`);
    return ExitCode.error;
  }
}
