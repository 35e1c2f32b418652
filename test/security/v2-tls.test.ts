// The real etcdctl v2 over https against the tetcd binary, as an operator's backup script runs
// it: --cert-file/--key-file/--ca-file with --client-cert-auth, v2 auth on, the client
// certificate's CN naming the user when no --username is given (etcd's rule).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { etcdctl, etcdSkipReason, freePorts, makeTempDir, removeDir, sleep, TETCD_BIN, tetcdSkipReason } from '../helpers/index.js';
import { opensslSkipReason, TestPki } from '../tls/fixtures/pki.js';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

async function ctl2(args: string[]): Promise<Run> {
  const r = await etcdctl('', args, { api: '2' });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('etcdctl v2 over https with client certificates and v2 auth', { skip: tetcdSkipReason() ?? etcdSkipReason() ?? opensslSkipReason() }, async (t) => {
  const dir = await makeTempDir('v2-tls');
  t.after(() => removeDir(dir));
  const pki = new TestPki(join(dir, 'pki'));
  const server = pki.server('server');
  const rootCert = pki.client('root', 'root');
  const bobCert = pki.client('bob', 'bob');
  const [cp, pp] = await freePorts(2);
  const curl = `https://127.0.0.1:${cp}`;
  const purl = `http://127.0.0.1:${pp}`;
  const proc = spawn(process.execPath, [
    TETCD_BIN,
    '--name=v2tls',
    '--enable-v2',
    `--data-dir=${join(dir, 'data')}`,
    `--listen-client-urls=${curl}`,
    `--advertise-client-urls=${curl}`,
    `--listen-peer-urls=${purl}`,
    `--initial-advertise-peer-urls=${purl}`,
    `--initial-cluster=v2tls=${purl}`,
    `--cert-file=${server.cert}`,
    `--key-file=${server.key}`,
    '--client-cert-auth',
    `--trusted-ca-file=${pki.ca.cert}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  t.after(() => {
    proc.kill('SIGKILL');
  });
  for (let i = 0; i < 100 && !log.includes('ready to serve client requests'); i++) await sleep(100);
  assert.match(log, /ready to serve client requests/, log.slice(-2000));

  const as = (pair: { cert: string; key: string }, ...args: string[]): Promise<Run> =>
    ctl2([`--endpoints=${curl}`, `--ca-file=${pki.ca.cert}`, `--cert-file=${pair.cert}`, `--key-file=${pair.key}`, '--timeout=5s', '--total-timeout=8s', ...args]);
  const ok = async (r: Promise<Run>): Promise<string> => {
    const res = await r;
    assert.equal(res.code, 0, res.err);
    return res.out;
  };

  // Before auth: plain v2 reads and writes over https.
  await ok(as(rootCert, 'set', '/backup/a', '1'));
  assert.equal((await ok(as(rootCert, 'get', '/backup/a'))).trim(), '1');

  await ok(as(rootCert, 'user', 'add', 'root:rootpw'));
  await ok(as(rootCert, 'role', 'add', 'ro'));
  await ok(as(rootCert, 'role', 'grant', 'ro', '--path=/backup/*', '--read'));
  await ok(as(rootCert, 'user', 'add', 'bob:bobpw'));
  await ok(as(rootCert, 'user', 'grant', 'bob', '--roles=ro'));
  await ok(as(rootCert, 'auth', 'enable'));
  await ok(as(rootCert, 'role', 'revoke', 'guest', '--path=/*', '--readwrite'));

  // The certificate CN is the user: root may do anything, bob only read /backup/*.
  await ok(as(rootCert, 'set', '/backup/b', '2'));
  assert.equal((await ok(as(bobCert, 'get', '/backup/b'))).trim(), '2');
  const bobWrite = await as(bobCert, 'set', '/backup/b', 'forged');
  assert.notEqual(bobWrite.code, 0);
  assert.match(bobWrite.err, /The request requires user authentication \(Insufficient credentials\)/);
  const wrongPw = await as(rootCert, '--username=root:nope', 'set', '/backup/c', 'x');
  assert.notEqual(wrongPw.code, 0);
  assert.match(wrongPw.err, /Insufficient credentials/);
  const bobAdmin = await as(bobCert, 'user', 'list');
  assert.notEqual(bobAdmin.code, 0);
  assert.equal((await ok(as(rootCert, 'get', '/backup/b'))).trim(), '2');

  // No client certificate: refused at the handshake.
  const noCert = await ctl2([`--endpoints=${curl}`, `--ca-file=${pki.ca.cert}`, '--timeout=3s', '--total-timeout=5s', 'get', '/backup/a']);
  assert.notEqual(noCert.code, 0);
});
