// `tetcd --help` has etcd's layout: the same text as `etcd --help` apart from tetcd's data dir
// default and the notes on flags tetcd does not support yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagsHelp, usage, usageLine } from '../../src/config/usage.js';
import { etcdMissing, runEtcd } from './etcd-reference.js';

test('the flag help is etcd\'s, line for line, except the data dir default and the tetcd notes', (t) => {
  const missing = etcdMissing();
  if (missing) return t.skip(missing);
  const etcd = runEtcd(['--help']).stdout.trimEnd().split('\n');
  const ours = flagsHelp()
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('    [tetcd: not supported yet'))
    .map((l) => l.replace("--data-dir '${name}.tetcd'", "--data-dir '${name}.etcd'"));
  assert.deepEqual(ours, etcd);
});

test('unsupported flags say so in the help', () => {
  assert.match(flagsHelp(), /--enable-pprof 'false'\n.*\n {4}\[tetcd: not supported yet: /);
  assert.doesNotMatch(flagsHelp(), /--name 'default'\n.*\n {4}\[tetcd/);
});

test('usage starts with the usage line and names tetcd', () => {
  assert.ok(usage().startsWith(usageLine()));
  assert.match(usageLine(), /^Usage:\n\n {2}tetcd \[flags\]\n/);
  assert.match(usageLine(), /tetcd --config-file\n/);
});
