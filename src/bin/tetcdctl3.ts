#!/usr/bin/env node
// tetcdctl with ETCDCTL_API fixed to 3 (operators keep such aliases for etcdctl).
import { runCtl } from '../ctl/main.js';

const code = await runCtl(process.argv.slice(2), { ...process.env, ETCDCTL_API: '3' }, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: process.stdin,
});
process.exitCode = code;
