#!/usr/bin/env node
// tetcd-backup: see src/backup-tool/cli.ts for commands and exit codes.
import { main } from '../backup-tool/index.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
