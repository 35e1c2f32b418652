#!/usr/bin/env node
import { runCtl } from '../ctl/main.js';

const code = await runCtl(process.argv.slice(2), process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: process.stdin,
});
process.exitCode = code;
