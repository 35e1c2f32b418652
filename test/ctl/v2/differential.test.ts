// tetcdctl's API 2 command set against the real `ETCDCTL_API=2 etcdctl` 3.4, both on one real
// `etcd --enable-v2`: the same command lines compared on stdout, stderr and exit code after
// masking indexes and times (harness.ts). Mutating cases reset /t before each of the two runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { etcdSkipReason, sleep, startEtcd, type Member } from '../../helpers/index.js';
import { mask, run, runInProcess, sortLines, start, type Program, type RunOpts } from './harness.js';

interface Case extends RunOpts {
  readonly args: readonly string[];
  /** Run `rm -r /t` and SEED (with the real etcdctl) before each of the two runs. */
  readonly reset?: boolean;
  /** Extra setup commands after the reset (errors ignored). */
  readonly setup?: readonly (readonly string[])[];
  /** Do not add --endpoints (the case chooses, or tests the default/env). */
  readonly ownEndpoints?: boolean;
  /** Compare the lines sorted (etcd's unsorted listings). */
  readonly unordered?: boolean;
}

const SEED: readonly (readonly string[])[] = [
  ['rm', '--recursive', '/t'],
  ['set', '/t/a', 'va'],
  ['set', '/t/b', 'v<&>b'],
  ['mkdir', '/t/d'],
  ['set', '/t/d/x', 'line1\nline2'],
  ['mkdir', '/t/empty'],
];

const DEAD = 'http://127.0.0.1:1';

const CASES: readonly Case[] = [
  // reads, every format
  ...['simple', 'json', 'extended'].flatMap((o): Case[] => [
    { args: ['-o', o, 'get', '/t/a'] },
    { args: ['-o', o, 'get', '/t/nokey'] },
    { args: ['-o', o, 'ls', '--sort', '/t'] },
    { args: ['-o', o, 'ls', '--sort', '--recursive', '/t'] },
  ]),
  { args: ['get', '/t/d'] },
  { args: ['get', '-q', '/t/b'] },
  { args: ['get', '--sort', '--quorum', '/t/d/x'] },
  { args: ['ls', '--sort', '-r', '-p', '/t'] },
  { args: ['ls', '/t/a'] },
  { args: ['ls', '/t/nokey'] },
  { args: ['ls', '-p', '/t'], unordered: true },
  { args: ['--output', 'yaml', 'get', '/t/a'] },
  // argument and flag errors, help
  { args: ['get'] },
  { args: ['get', '--bogus', '/t/a'] },
  { args: ['--bogus', 'get', '/t/a'] },
  { args: ['get', '--sort=maybe', '/t/a'] },
  { args: ['set', '--ttl', 'x', '/t/a', 'v'] },
  { args: ['set', '--ttl'] },
  { args: ['--timeout', 'soon', 'get', '/t/a'] },
  { args: ['nosuch'] },
  { args: [] },
  { args: ['-h'] },
  { args: ['--version'] },
  { args: ['help', 'set'] },
  { args: ['h', 'member'] },
  { args: ['help', 'nosuch'] },
  ...['get', 'ls', 'set', 'mk', 'mkdir', 'setdir', 'rm', 'rmdir', 'update', 'updatedir', 'watch', 'exec-watch', 'backup', 'cluster-health'].map(
    (c): Case => ({ args: [c, '-h'] }),
  ),
  ...['member', 'user', 'role', 'auth'].flatMap((c): Case[] => [{ args: [c] }, { args: [c, '--help'] }, { args: [c, 'nosuch'] }, { args: [c, 'list', '-h'] }]),
  { args: ['user', 'grant', '-h'] },
  { args: ['role', 'revoke', '--help'] },
  { args: ['member', '--bogus'] },
  // writes
  ...['simple', 'json', 'extended'].flatMap((o): Case[] => [
    { args: ['-o', o, 'set', '/t/a', 'new'], reset: true },
    { args: ['-o', o, 'mk', '/t/n', 'v'], reset: true },
    { args: ['-o', o, 'mk', '--in-order', '/t/q', 'v'], reset: true },
    { args: ['-o', o, 'mkdir', '/t/nd'], reset: true },
    { args: ['-o', o, 'rm', '/t/a'], reset: true },
    { args: ['-o', o, 'rm', '-r', '/t/d'], reset: true },
    { args: ['-o', o, 'rmdir', '/t/empty'], reset: true },
    { args: ['-o', o, 'update', '/t/a', 'u'], reset: true },
    { args: ['-o', o, 'updatedir', '/t/d'], reset: true },
    { args: ['-o', o, 'setdir', '/t/sd'], reset: true },
  ]),
  { args: ['-o', 'json', 'set', '--ttl', '100', '/t/ttl', 'v'], reset: true },
  { args: ['set', '/t/ttl2', 'v', '--ttl', '100'], reset: true },
  { args: ['set', '--swap-with-value', 'va', '/t/a', 'nv'], reset: true },
  { args: ['set', '--swap-with-value', 'wrong', '/t/a', 'nv'], reset: true },
  { args: ['set', '--swap-with-index', '1', '/t/a', 'nv'], reset: true },
  { args: ['set', '/t/s'], stdin: 'from stdin\n', reset: true },
  { args: ['set', '/t/s'], reset: true },
  { args: ['set', '--', '/t/dash', '-v'], reset: true },
  { args: ['mk', '/t/a', 'x'], reset: true },
  { args: ['mkdir', '/t/d'], reset: true },
  { args: ['mkdir', '/t/a/b'], reset: true },
  { args: ['update', '/t/nope', 'u'], reset: true },
  { args: ['updatedir', '/t/nope'], reset: true },
  { args: ['updatedir', '/t/a'], reset: true },
  { args: ['rm', '/t/d'], reset: true },
  { args: ['rm', '--dir', '/t/d'], reset: true },
  { args: ['rm', '--dir', '/t/empty'], reset: true },
  { args: ['rm', '/t/nope'], reset: true },
  { args: ['rm', '--with-value', 'va', '/t/a'], reset: true },
  { args: ['rm', '--with-value', 'no', '/t/a'], reset: true },
  { args: ['rm', '--with-index', '1', '/t/a'], reset: true },
  { args: ['rmdir', '/t/d'], reset: true },
  { args: ['rmdir', '/t/a'], reset: true },
  { args: ['rm'] },
  { args: ['mk', '/t/only-key'] },
  // endpoints, sync, failover, env
  { args: ['--no-sync', 'get', '/t/a'] },
  { args: ['--endpoints', DEAD, 'get', '/t/a'], ownEndpoints: true },
  { args: ['--no-sync', '--endpoints', DEAD, 'get', '/t/a'], ownEndpoints: true },
  { args: ['--endpoints', DEAD, 'cluster-health'], ownEndpoints: true },
  // members and health
  { args: ['member', 'list'] },
  { args: ['member', 'list', 'extra'] },
  { args: ['member', 'add'] },
  { args: ['member', 'remove'] },
  { args: ['member', 'remove', 'abc'] },
  { args: ['member', 'update', 'abc'] },
  { args: ['member', 'update', 'abc', 'http://127.0.0.1:1'] },
  { args: ['cluster-health'] },
  // v2 auth (etcd 3.4 still serves /v2/auth)
  { args: ['user', 'list'] },
  { args: ['role', 'list'] },
  { args: ['user', 'get'] },
  { args: ['user', 'get', 'nobody'] },
  { args: ['role', 'get', 'nothing'] },
  { args: ['role', 'get', 'root'] },
  { args: ['user', 'grant', 'u'] },
  { args: ['role', 'grant', 'r'] },
  { args: ['role', 'grant', '--path', '/a/../b', 'r'] },
  { args: ['role', 'grant', '--path', '/t', 'r'] },
  { args: ['role', 'grant', '--path', '/t', '--read', '--write', 'r'] },
  { args: ['auth', 'enable', 'x'] },
  { args: ['auth', 'disable'] },
  { args: ['role', 'add', 'r1'], setup: [['role', 'remove', 'r1']] },
  { args: ['role', 'add', 'r1'], setup: [['role', 'add', 'r1']] },
  { args: ['role', 'grant', '--path', '/t/*', '--readwrite', 'r1'], setup: [['role', 'remove', 'r1'], ['role', 'add', 'r1']] },
  { args: ['role', 'revoke', '--path', '/t/*', '--write', 'r1'], setup: [['role', 'remove', 'r1'], ['role', 'add', 'r1'], ['role', 'grant', '--path', '/t/*', '--rw', 'r1']] },
  { args: ['role', 'get', 'r1'], setup: [['role', 'remove', 'r1'], ['role', 'add', 'r1'], ['role', 'grant', '--path', '/t/*', '--read', 'r1']] },
  { args: ['role', 'remove', 'r1'], setup: [['role', 'add', 'r1']] },
  { args: ['user', 'add', 'u1:pw'], setup: [['user', 'remove', 'u1']] },
  { args: ['user', 'add', 'u1:pw'], setup: [['user', 'add', 'u1:pw']] },
  { args: ['user', 'grant', '--roles', 'r1', 'u1'], setup: [['user', 'remove', 'u1'], ['role', 'add', 'r1'], ['user', 'add', 'u1:pw']] },
  { args: ['user', 'get', 'u1'], setup: [['user', 'remove', 'u1'], ['role', 'add', 'r1'], ['user', 'add', 'u1:pw'], ['user', 'grant', '--roles', 'r1', 'u1']] },
  { args: ['user', 'revoke', '--roles', 'r1', 'u1'], setup: [['user', 'remove', 'u1'], ['role', 'add', 'r1'], ['user', 'add', 'u1:pw'], ['user', 'grant', '--roles', 'r1', 'u1']] },
  { args: ['user', 'remove', 'u1'], setup: [['user', 'add', 'u1:pw']] },
  { args: ['user', 'remove', 'nobody'] },
];

describe('tetcdctl ETCDCTL_API=2 against etcdctl on etcd --enable-v2', { skip: etcdSkipReason() }, () => {
  let etcd: Member;
  const ep = () => `--endpoints=${etcd.clientUrl}`;
  const real = (args: readonly string[], opts?: RunOpts) => run('etcdctl', [ep(), ...args], opts);
  /** The server's current v2 watcher count (/v2/stats/store). */
  const watchers = async (): Promise<number> => ((await (await fetch(`${etcd.clientUrl}/v2/stats/store`)).json()) as { watchers: number }).watchers;
  /** Waits (bounded) until a watch started after `before` watchers were counted is registered. */
  const watcherUp = async (before: number): Promise<void> => {
    for (let i = 0; i < 100 && (await watchers()) <= before; i++) await sleep(50);
  };

  async function prepare(c: Case): Promise<void> {
    if (c.reset) for (const s of SEED) await real(s);
    for (const s of c.setup ?? []) await real(s);
  }

  async function runCase(p: Program, c: Case): Promise<string> {
    await prepare(c);
    const args = c.ownEndpoints ? c.args : [ep(), ...c.args];
    const r = p === 'etcdctl' ? await run(p, args, c) : await runInProcess(args, c);
    const norm = (s: string) => (c.unordered ? sortLines(mask(s)) : mask(s));
    return `code ${r.code}\n--- stdout\n${norm(r.stdout)}\n--- stderr\n${norm(r.stderr)}`;
  }

  before(async () => {
    etcd = await startEtcd({ extraFlags: ['--enable-v2'] });
    for (const s of SEED) await real(s);
  });
  after(async () => etcd?.stop());

  it('gives the same output and exit code for every case', async () => {
    const failures: string[] = [];
    for (const c of CASES) {
      const want = await runCase('etcdctl', c);
      const got = await runCase('tetcdctl', c);
      if (got !== want) failures.push(`etcdctl ${c.args.join(' ')}\n=== etcdctl\n${want}\n=== tetcdctl\n${got}`);
    }
    assert.deepEqual(failures, []);
  });

  it('uses ETCDCTL_ENDPOINTS and ETCDCTL_PEERS when --endpoints is not given', async () => {
    for (const s of SEED) await real(s);
    const envs: Record<string, string>[] = [{ ETCDCTL_ENDPOINTS: etcd.clientUrl }, { ETCDCTL_PEERS: etcd.endpoint }];
    for (const env of envs) {
      const want = await run('etcdctl', ['get', '/t/a'], { env });
      if (env.ETCDCTL_ENDPOINTS) assert.equal(want.stdout, 'va\n');
      const got = await run('tetcdctl', ['get', '/t/a'], { env });
      assert.deepEqual(got, want);
    }
  });

  it('prints the same --debug trace (sync, endpoints, cURL lines)', async () => {
    const want = await real(['--debug', 'set', '/t/dbg', 'a b&c']);
    const got = await run('tetcdctl', [ep(), '--debug', 'set', '/t/dbg', 'a b&c']);
    assert.deepEqual(got, want);
  });

  it('watch: one event, --recursive and --forever lines, --after-index replay', async () => {
    const cases: [string[], string[][]][] = [
      [['watch', '/t/w'], [['set', '/t/w', '1']]],
      [['-o', 'json', 'watch', '--recursive', '/t'], [['set', '/t/w2', '2']]],
      [['watch', '-f', '-r', '/t'], [['set', '/t/w3', 'x'], ['rm', '/t/w3']]],
    ];
    for (const [args, writes] of cases) {
      const outs: string[] = [];
      for (const p of ['etcdctl', 'tetcdctl'] as const) {
        for (const s of SEED) await real(s);
        const before = await watchers();
        const w = start(p, [ep(), ...args]);
        await watcherUp(before);
        for (const wr of writes) await real(wr);
        await sleep(300);
        const r = args.includes('-f') ? await w.stop() : await w.done;
        outs.push(`code ${r.code}\n${mask(r.stdout)}${mask(r.stderr)}`);
      }
      assert.equal(outs[1], outs[0], `watch ${args.join(' ')}`);
    }
    const idx = JSON.parse((await real(['-o', 'json', 'set', '/t/hist', 'h'])).stdout) as { node: { modifiedIndex: number } };
    const args = [ep(), 'watch', '--after-index', String(idx.node.modifiedIndex - 1), '/t/hist'];
    assert.deepEqual(await run('tetcdctl', args), await run('etcdctl', args));
  });

  it('exec-watch runs the command with ETCD_WATCH_* for each event', async () => {
    const script = 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"';
    const outs: string[] = [];
    for (const p of ['etcdctl', 'tetcdctl'] as const) {
      const before = await watchers();
      const w = start(p, [ep(), 'exec-watch', '--recursive', '/t/ew', '--', 'sh', '-c', script]);
      await watcherUp(before);
      await real(['set', '/t/ew/k', 'v1']);
      await sleep(300);
      await real(['set', '/t/ew/k', 'v2']);
      await sleep(500);
      const r = await w.stop();
      outs.push(`code ${r.code}\n${r.stdout}`);
    }
    assert.equal(outs[1], outs[0]);
    assert.match(outs[1]!, /set \/t\/ew\/k v1\nset \/t\/ew\/k v2\n/);
  });
});
