// tetcdctl against the real etcdctl 3.4, on one real etcd: the same command lines, compared on
// stdout, stderr and exit code after normalising run-specific details (see run.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { ETCDCTL_BIN, etcdSkipReason, makeTempDir, removeDir, sleep, startEtcd, type Member } from '../helpers/index.js';
import { normalise, realEtcdctl, spawnCollect, tetcdctl, TETCDCTL_JS, type Normalise, type RunOptions } from './run.js';

interface Case extends RunOptions, Normalise {
  readonly args: readonly string[];
  /** Commands run with the real etcdctl before EACH of the two runs (state reset for mutations). */
  readonly setup?: readonly (readonly string[])[];
  /** Drop the `stty:` complaints etcdctl's password prompt prints when stdin is a pipe. */
  readonly dropStty?: boolean;
}

const SEED: readonly (readonly string[])[] = [
  ['del', '--prefix', 'd/'],
  ['put', 'd/a', 'va'],
  ['put', 'd/b', 'v<&>b'],
  ['put', 'd/c', 'line1\nline2'],
  ['put', 'd/\u00e9', 'caf\u00e9'],
];
const M: readonly (readonly string[])[] = [['del', '--prefix', 'm/'], ['put', 'm/x', 'old']];

/** Read-only commands, each format etcdctl supports for them, and argument errors. */
const READS: readonly Case[] = [
  ...['simple', 'json', 'fields', 'protobuf', 'table'].flatMap((w) => [
    { args: ['get', 'd/a', '-w', w] },
    { args: ['get', '--prefix', 'd/', '-w', w] },
    { args: ['member', 'list', '-w', w] },
    { args: ['endpoint', 'hashkv', '-w', w], revisions: true },
    ...(w === 'fields' ? [] : [{ args: ['alarm', 'list', '-w', w] }]),
    { args: ['lease', 'timetolive', '1234', '-w', w] },
  ]),
  { args: ['get', '--prefix', 'd/', '--keys-only'] },
  { args: ['get', '--prefix', 'd/', '--print-value-only'] },
  { args: ['get', '--prefix', 'd/', '--print-value-only', '-w', 'json'] },
  { args: ['get', '--prefix', 'd/', '--limit', '2', '-w', 'json'] },
  { args: ['get', '--prefix', 'd/', '--order', 'DESCEND', '--sort-by', 'value'] },
  { args: ['get', '--prefix', 'd/', '--sort-by', 'MODIFY', '-w', 'fields'] },
  { args: ['get', '--prefix', 'd/', '--hex'] },
  { args: ['get', 'd/a', 'd/c', '--consistency', 's'] },
  { args: ['get', '--from-key', 'd/b'] },
  { args: ['get', '', '--prefix', '--keys-only'] },
  { args: ['get', '--prefix', '--from-key', 'd/'] },
  { args: ['get', '--prefix', 'd/', 'd/z'] },
  { args: ['get', 'd/a', '--consistency', 'x'] },
  { args: ['get', 'd/a', '--order', 'SIDEWAYS'] },
  { args: ['get', 'd/a', '--sort-by', 'COLOUR'] },
  { args: ['get', 'd/a', '--rev', '100000'] },
  { args: ['get'] },
  { args: ['get', '--limit', 'x', 'a'] },
  { args: ['get', '--nosuch', 'a'] },
  { args: ['get', '-x', 'a'] },
  { args: ['get', 'a', '--limit'] },
  { args: ['get', 'a', '--prefix=maybe'] },
  { args: ['get', 'a', '--dial-timeout', '1'] },
  { args: ['-w', 'yaml', 'get', 'd/a'] },
  { args: ['nosuch'] },
  { args: ['ge', 'd/a'] },
  { args: ['get', '--help'] },
  { args: ['lease'] },
  { args: ['endpoint', 'health', '-h'] },
  { args: ['help', 'watch'] },
  { args: ['member', 'remove', 'zz'] },
  { args: ['member', 'add'] },
  { args: ['member', 'add', 'n1', 'http://x:1'] },
  { args: ['member', 'update', 'abc'] },
  { args: ['move-leader'] },
  { args: ['move-leader', 'zz'] },
  { args: ['lease', 'grant', 'x'] },
  { args: ['lease', 'revoke', 'zz'] },
  { args: ['lease', 'revoke', '1234'] },
  { args: ['lease', 'keep-alive', '--once', '1234'] },
  { args: ['compaction'] },
  { args: ['compaction', 'x'] },
  { args: ['compaction', '100000'] },
  { args: ['txn', 'extra'] },
  { args: ['watch'] },
  { args: ['watch', 'k', '--'] },
  { args: ['watch', 'k', 'l', '--prefix'] },
  { args: ['watch', '--rev', '1', '-w', 'json', 'd/'], revisions: true },
  { args: ['put', 'a'] },
  { args: ['put', 'a', 'b', '--lease', 'zz'] },
  { args: ['put', 'a', 'b', '--ignore-value'] },
  { args: ['del'] },
  { args: ['del', '--prefix', '--from-key', 'x'] },
  { args: ['alarm', 'disarm'] },
  { args: ['endpoint', 'health', '-w', 'fields'] },
  { args: ['endpoint', 'health', '--cluster', '-w', 'json'] },
  { args: ['user', 'list'] },
  { args: ['role', 'list'] },
  { args: ['user', 'get', 'nobody'] },
  { args: ['role', 'grant-permission', 'r', 'bogus', 'k'] },
  { args: ['role', 'grant-permission', 'r', 'read', 'k', 'l', '--prefix'] },
  { args: ['auth', 'enable', 'x'] },
  { args: ['help', 'get'] },
  { args: ['snapshot', 'status'] },
  { args: ['snapshot', 'status', '/nonexistent/db'] },
  { args: ['snapshot', 'save'] },
  { args: ['--endpoints=127.0.0.1:1,127.0.0.1:2', 'snapshot', 'save', '/tmp/never'] },
  { args: ['get', 'd/a'], env: { ETCDCTL_WRITE_OUT: 'json' } },
  { args: ['get', 'd/a'], env: { ETCDCTL_DIAL_TIMEOUT: 'zz' } },
  { args: ['get', 'd/a', '--hex'], env: { ETCDCTL_HEX: 'false' } },
];

/** Commands that change state: the state is reset with `setup` before each tool's run. */
const WRITES: readonly Case[] = [
  ...['simple', 'json', 'fields'].flatMap((w) => [
    { args: ['put', 'm/x', 'new', '--prev-kv', '-w', w], setup: M, revisions: true },
    { args: ['del', 'm/x', '--prev-kv', '-w', w], setup: M, revisions: true },
    { args: ['del', '--prefix', 'm/', '-w', w], setup: M, revisions: true },
    { args: ['txn', '-w', w], setup: M, revisions: true, stdin: 'value("m/x") = "old"\n\nput m/x "from txn"\nget m/x\ndel m/none\n\nput m/x failed\n\n' },
  ]),
  { args: ['put', 'm/x', '--ignore-value', '--prev-kv'], setup: M },
  { args: ['put', 'm/none', '--ignore-value'], setup: M },
  { args: ['put', 'm/x'], setup: M, stdin: 'from stdin' },
  { args: ['put', '--', 'm/x', '-dash'], setup: M },
  { args: ['del', 'm/', 'm/z'], setup: M },
  { args: ['txn'], setup: M, stdin: 'mod("m/x") > "0"\nver("m/x") = "1"\ncreate("m/x") != "0"\n\nput m/y --prev-kv "a b"\n\n\n' },
  { args: ['txn', '-i'], setup: M, stdin: 'value("m/x") = "nope"\n\n\nget m/x\n\n' },
  { args: ['txn'], setup: M, stdin: 'bogus("m/x") = "1"\n\n\n\n' },
  { args: ['txn'], setup: M, stdin: 'value("m/x") = "old"\n\nfrob m/x\n\n\n' },
  { args: ['txn'], setup: M, stdin: 'value("m/x") = "old"\n' },
  { args: ['compaction', '1', '--physical'], setup: [['compaction', '2']] },
  { args: ['defrag'] },
  // Raft indexes move with every write: status runs among the sequential cases.
  ...['simple', 'json', 'fields', 'protobuf', 'table'].map((w) => ({ args: ['endpoint', 'status', '-w', w], revisions: true })),
  { args: ['endpoint', 'status', '--cluster'], revisions: true },
  ...['simple', 'json', 'fields'].flatMap((w) => [
    { args: ['user', 'add', 'u1:pw', '-w', w], setup: [['user', 'delete', 'u1']], revisions: true },
    { args: ['user', 'add', 'u1', '--interactive=false', '-w', w], setup: [['user', 'delete', 'u1']], stdin: 'pw\n', revisions: true },
    { args: ['user', 'get', 'u1', '-w', w], setup: [['user', 'add', 'u1:pw'], ['role', 'add', 'r1'], ['user', 'grant-role', 'u1', 'r1']] },
    { args: ['role', 'add', 'r2', '-w', w], setup: [['role', 'delete', 'r2']], revisions: true },
    { args: ['role', 'get', 'r2', '-w', w], setup: [['role', 'add', 'r2'], ['role', 'grant-permission', 'r2', 'readwrite', '/a', '--prefix'], ['role', 'grant-permission', 'r2', 'read', 'k'], ['role', 'grant-permission', 'r2', 'write', 'x', '--from-key']] },
    { args: ['role', 'revoke-permission', 'r2', '/a', '--prefix', '-w', w], setup: [['role', 'add', 'r2'], ['role', 'grant-permission', 'r2', 'readwrite', '/a', '--prefix']], revisions: true },
    { args: ['role', 'list', '-w', w], setup: [['role', 'add', 'r2']] },
    { args: ['user', 'list', '-w', w], setup: [['user', 'add', 'u1:pw']] },
  ]),
  // etcdctl's password prompt (speakeasy) also runs stty on the pipe, whose complaints are not compared.
  { args: ['user', 'add', 'u2'], setup: [['user', 'delete', 'u2']], stdin: 'pw\npw\n', dropStty: true },
  { args: ['user', 'add', 'u2'], setup: [['user', 'delete', 'u2']], stdin: 'pw\nother\n', dropStty: true },
  { args: ['user', 'get', 'u1', '--detail'], setup: [['user', 'add', 'u1:pw'], ['role', 'add', 'r1'], ['user', 'grant-role', 'u1', 'r1'], ['role', 'grant-permission', 'r1', 'read', 'a', 'b']] },
  { args: ['user', 'revoke-role', 'u1', 'r1'], setup: [['user', 'add', 'u1:pw'], ['role', 'add', 'r1'], ['user', 'grant-role', 'u1', 'r1']] },
  { args: ['user', 'passwd', 'u1', '--interactive=false'], setup: [['user', 'add', 'u1:pw']], stdin: 'new\n' },
  { args: ['role', 'delete', 'r3'], setup: [['role', 'add', 'r3']] },
  { args: ['user', 'delete', 'u3'], setup: [['user', 'add', 'u3:pw']] },
];

const skip = etcdSkipReason();

describe('tetcdctl vs etcdctl 3.4 on a real etcd', { skip }, () => {
  let etcd: Member;
  before(async () => {
    etcd = await startEtcd();
    for (const s of SEED) await realEtcdctl(etcd.endpoint, s);
  });
  after(async () => {
    await etcd?.stop();
  });

  async function compare(c: Case): Promise<void> {
    const runs = [];
    for (const tool of [realEtcdctl, tetcdctl]) {
      for (const s of c.setup ?? []) await realEtcdctl(etcd.endpoint, s);
      runs.push(await tool(etcd.endpoint, c.args, c));
    }
    const stderr = (t: string) => normalise(c.dropStty ? t.replace(/^stty: .*\n/gm, '') : t, c);
    const [want, got] = runs.map((r) => ({ code: r!.code, stdout: normalise(r!.stdout, c), stderr: stderr(r!.stderr) }));
    assert.deepEqual(got, want);
  }

  it('lease grant, timetolive --keys, list, keep-alive --once, revoke in every format', async () => {
    for (const w of ['simple', 'json', 'fields']) {
      const outs = [];
      for (const tool of [realEtcdctl, tetcdctl]) {
        const grant = await tool(etcd.endpoint, ['lease', 'grant', '600', '-w', w]);
        const granted = await realEtcdctl(etcd.endpoint, ['lease', 'list']);
        const id = granted.stdout.trim().split('\n').slice(1).at(-1)!;
        await realEtcdctl(etcd.endpoint, ['put', 'lk', 'v', '--lease', id]);
        const steps = [grant];
        for (const args of [['lease', 'timetolive', id, '--keys'], ['lease', 'keep-alive', '--once', id], ['lease', 'revoke', id], ['lease', 'timetolive', id]]) {
          steps.push(await tool(etcd.endpoint, [...args, '-w', w]));
        }
        outs.push(steps.map((r) => ({ code: r.code, stdout: normalise(r.stdout, { revisions: true }).replace(/(remaining|"ttl":|"TTL" : )\(?\d+/g, '$1<ttl>'), stderr: normalise(r.stderr) })));
      }
      assert.deepEqual(outs[1], outs[0]);
    }
  });

  it('compaction to a new revision prints the same line', async () => {
    const outs = [];
    for (const tool of [realEtcdctl, tetcdctl]) {
      const put = await realEtcdctl(etcd.endpoint, ['put', 'c/k', 'v', '-w', 'json']);
      const rev = String((JSON.parse(put.stdout) as { header: { revision: number } }).header.revision);
      const r = await tool(etcd.endpoint, ['compaction', rev, '--physical']);
      outs.push({ code: r.code, stdout: r.stdout.replace(rev, '<rev>'), stderr: r.stderr });
    }
    assert.deepEqual(outs[1], outs[0]);
  });

  it('snapshot save writes a 0600 file that both tools read back alike', async () => {
    const dir = await makeTempDir('ctl-snap');
    try {
      const saved = await tetcdctl(etcd.endpoint, ['snapshot', 'save', `${dir}/t.db`]);
      assert.equal(saved.code, 0, saved.stderr);
      assert.equal(saved.stdout, `Snapshot saved at ${dir}/t.db\n`);
      assert.equal(statSync(`${dir}/t.db`).mode & 0o777, 0o600);
      assert.equal(existsSync(`${dir}/t.db.part`), false);
      for (const w of ['simple', 'json', 'table', 'fields']) {
        const [want, got] = [await realEtcdctl(etcd.endpoint, ['snapshot', 'status', `${dir}/t.db`, '-w', w]), await tetcdctl(etcd.endpoint, ['snapshot', 'status', `${dir}/t.db`, '-w', w])];
        assert.deepEqual({ code: got.code, stdout: got.stdout, stderr: got.stderr }, { code: want.code, stdout: want.stdout, stderr: want.stderr });
      }
    } finally {
      await removeDir(dir);
    }
  });

  it('watch prints events and runs `-- command` with ETCD_WATCH_* as etcdctl', async () => {
    const script = ['sh', '-c', 'echo "$ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"'];
    const outs = [];
    for (const bin of [ETCDCTL_BIN, process.execPath]) {
      const pre = bin === ETCDCTL_BIN ? [] : [TETCDCTL_JS];
      const start = (args: string[]) => spawnCollect(bin, [...pre, `--endpoints=${etcd.endpoint}`, ...args]);
      const watches = [start(['watch', 'w/', '--prefix', '--prev-kv']), start(['watch', 'w/', '--prefix', '-w', 'json']), start(['watch', 'w/', '--prefix', '--', ...script])];
      // Probe until every watcher has seen an event: from then on they are all established.
      for (let i = 0; i < 50 && !watches.every((x) => x.output().length > 0); i++) {
        await realEtcdctl(etcd.endpoint, ['put', 'w/probe', 'p']);
        await sleep(200);
      }
      await sleep(300);
      const marks = watches.map((x) => x.output().length);
      await realEtcdctl(etcd.endpoint, ['put', 'w/k', 'v1']);
      await realEtcdctl(etcd.endpoint, ['put', 'w/k', 'v2']);
      await realEtcdctl(etcd.endpoint, ['del', 'w/k']);
      await sleep(500);
      const all = await Promise.all(watches.map((x) => x.stop()));
      outs.push(all.map((o, i) => normalise(o.slice(marks[i]), { revisions: true })));
    }
    assert.deepEqual(outs[1], outs[0]);
    assert.match(outs[1]![2]!, /^PUT\nw\/k\nv1\n"PUT" "w\/k" "v1"\n/);
  });

  const label = (c: Case) =>
    `${c.args.join(' ')}${c.env ? ` [${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')}]` : ''}${c.stdin ? ' <stdin' : ''}`;

  // Reads do not change the store: they run a few at a time to keep the suite short.
  describe('reads and argument errors', { concurrency: 4 }, () => {
    for (const c of READS) it(label(c), () => compare(c));
  });

  describe('writes (state reset before each tool)', () => {
    for (const c of WRITES) it(label(c), () => compare(c));
  });
});
