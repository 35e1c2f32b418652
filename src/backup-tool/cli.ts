// The tetcd-backup command line. Exit codes suit cron and systemd timers: 0 success,
// 1 the operation failed, 2 bad usage, 3 verify found problems in a set.
// Each command lives in its own cli-*.ts file; this one assembles them.
import { Command, CommanderError } from 'commander';
import { TETCD_VERSION } from '../config/version.js';
import { addProgressOption, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli-common.js';
import { registerRestore } from './cli-restore.js';
import { registerRun } from './cli-run.js';
import { registerSchedule } from './cli-schedule.js';
import { registerList, registerPrune, registerVerify } from './cli-sets.js';

export { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_VERIFY_PROBLEMS, type CliIo } from './cli-common.js';

function program(io: CliIo, setCode: (c: number) => void): Command {
  const p = new Command('tetcd-backup').version(TETCD_VERSION).description('Back up and restore etcd/tetcd clusters: config dirs, v3 snapshot, v2 store; compressed, age-encrypted, verified');
  p.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addProgressOption(p, io);
  registerRun(p, io);
  registerList(p, io);
  registerVerify(p, io, setCode);
  registerPrune(p, io);
  registerRestore(p, io);
  registerSchedule(p, io);
  return p;
}

/** Runs one tetcd-backup invocation; resolves to the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr(`Error: ${(err as Error).message}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
}
