#!/usr/bin/env node
import { runCtl } from '../ctl/main.js';

const code = await runCtl(process.argv.slice(2), process.env, {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
});
process.exitCode = code;
