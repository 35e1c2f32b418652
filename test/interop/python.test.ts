// Python's etcd clients from Debian against the tetcd binary: python3-etcd3 (v3, gRPC) and
// python3-etcd (v2, HTTP). Each script prints what it observed; the test checks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startTetcd, tetcdSkipReason } from '../helpers/index.js';

const PYTHON = '/usr/bin/python3';

function pythonSkip(module: string): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} missing`;
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `python module ${module} missing (apt-get install python3-${module === 'etcd' ? 'etcd' : 'etcd3'})`;
}

function runPython(script: string, args: string[]): { out: string; err: string; code: number | null } {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

const V3_SCRIPT = `
import sys, etcd3
host, port = sys.argv[1], int(sys.argv[2])
c = etcd3.client(host=host, port=port)
c.put('py/a', 'one')
c.put('py/b', 'two')
v, meta = c.get('py/a')
print('get', v.decode(), meta.key.decode())
print('prefix', sorted(k.decode() for _, k in [(v, m.key) for v, m in c.get_prefix('py/')]))
ok, _ = c.transaction(compare=[c.transactions.value('py/a') == 'one'], success=[c.transactions.put('py/a', 'uno')], failure=[])
print('txn', ok, c.get('py/a')[0].decode())
lease = c.lease(600)
c.put('py/leased', 'x', lease=lease)
print('lease', lease.granted_ttl, [k.decode() for k in lease.keys])
events, cancel = c.watch('py/w')
c.put('py/w', 'watched')
for ev in events:
    print('watch', type(ev).__name__, ev.value.decode())
    break
cancel()
print('deleted', c.delete('py/b'))
st = c.status()
print('status', st.version, st.leader.id == st.leader.id)
lease.revoke()
print('after revoke', c.get('py/leased')[0])
`;

const V2_SCRIPT = `
import sys, etcd
c = etcd.Client(host=sys.argv[1], port=int(sys.argv[2]))
c.write('/py2/a', 'one')
print('read', c.read('/py2/a').value)
c.write('/py2/dir/x', 'x')
c.write('/py2/dir/y', 'y')
print('ls', sorted(ch.key for ch in c.read('/py2/dir', recursive=True).children))
try:
    c.write('/py2/a', 'two', prevExist=False)
except etcd.EtcdAlreadyExist as e:
    print('exists', type(e).__name__)
c.write('/py2/a', 'two', prevValue='one')
print('cas', c.read('/py2/a').value)
try:
    c.read('/py2/missing')
except etcd.EtcdKeyNotFound as e:
    print('missing', type(e).__name__)
r = c.write('/py2/q', 'job', append=True)
print('append', r.key.startswith('/py2/q/'))
print('members', len(c.members))
c.delete('/py2/dir', recursive=True)
print('deleted dir', '/py2/dir' not in [ch.key for ch in c.read('/py2').children])
`;

test('python3-etcd3 (v3) works against tetcd', { skip: tetcdSkipReason() ?? pythonSkip('etcd3') }, async (t) => {
  const m = await startTetcd();
  t.after(() => m.stop());
  const r = runPython(V3_SCRIPT, ['127.0.0.1', String(m.clientPort)]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [
    'get one py/a',
    "prefix ['py/a', 'py/b']",
    'txn True uno',
    "lease 600 ['py/leased']",
    'watch PutEvent watched',
    'deleted True',
    'status 3.4.23 True',
    'after revoke None',
  ]);
});

test('python3-etcd (v2) works against tetcd --enable-v2', { skip: tetcdSkipReason() ?? pythonSkip('etcd') }, async (t) => {
  const m = await startTetcd({ extraFlags: ['--enable-v2'] });
  t.after(() => m.stop());
  const r = runPython(V2_SCRIPT, ['127.0.0.1', String(m.clientPort)]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [
    'read one',
    "ls ['/py2/dir/x', '/py2/dir/y']",
    'exists EtcdAlreadyExist',
    'cas two',
    'missing EtcdKeyNotFound',
    'append True',
    'members 1',
    'deleted dir True',
  ]);
});
