// TLS end to end through the tetcd binary: https client URL with --client-cert-auth and a
// trusted CA, peer TLS on the peer URL; the real etcdctl with --cacert/--cert/--key works, and a
// client without a certificate is refused at the handshake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TestPki, opensslSkipReason } from './fixtures/pki.js';
import { freePorts, makeTempDir, removeDir, tetcdSkipReason, TETCD_BIN, etcdctl, etcdSkipReason, sleep } from '../helpers/index.js';

async function ctl(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const r = await etcdctl('', args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('client and peer TLS through the binary, with the real etcdctl', { skip: tetcdSkipReason() ?? etcdSkipReason() ?? opensslSkipReason() }, async (t) => {
  const dir = await makeTempDir('tls-e2e');
  t.after(() => removeDir(dir));
  const pki = new TestPki(join(dir, 'pki'));
  const server = pki.server('server');
  const client = pki.client('client', 'root');
  const [cp, pp] = await freePorts(2);
  const curl = `https://127.0.0.1:${cp}`;
  const purl = `https://127.0.0.1:${pp}`;
  const proc = spawn(process.execPath, [
    TETCD_BIN,
    '--name=tls',
    `--data-dir=${join(dir, 'data')}`,
    `--listen-client-urls=${curl}`,
    `--advertise-client-urls=${curl}`,
    `--listen-peer-urls=${purl}`,
    `--initial-advertise-peer-urls=${purl}`,
    `--initial-cluster=tls=${purl}`,
    `--cert-file=${server.cert}`,
    `--key-file=${server.key}`,
    '--client-cert-auth',
    `--trusted-ca-file=${pki.ca.cert}`,
    `--peer-cert-file=${server.cert}`,
    `--peer-key-file=${server.key}`,
    '--peer-client-cert-auth',
    `--peer-trusted-ca-file=${pki.ca.cert}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  t.after(() => {
    proc.kill('SIGKILL');
  });
  for (let i = 0; i < 100 && !log.includes('ready to serve client requests'); i++) await sleep(100);
  assert.match(log, /ready to serve client requests/, log.slice(-2000));
  assert.match(log, /serving client traffic securely/);

  const tlsArgs = [`--endpoints=${curl}`, `--cacert=${pki.ca.cert}`, `--cert=${client.cert}`, `--key=${client.key}`];
  const put = await ctl([...tlsArgs, 'put', 'secure', 'yes']);
  assert.equal(put.code, 0, put.err);
  const get = await ctl([...tlsArgs, 'get', 'secure', '--print-value-only']);
  assert.equal(get.out.trim(), 'yes');
  const health = await ctl([...tlsArgs, 'endpoint', 'health']);
  assert.equal(health.code, 0, health.err);

  const noCert = await ctl([`--endpoints=${curl}`, `--cacert=${pki.ca.cert}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'secure']);
  assert.notEqual(noCert.code, 0, 'a client without a certificate is refused');
  const plain = await ctl([`--endpoints=http://127.0.0.1:${cp}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'secure']);
  assert.notEqual(plain.code, 0, 'plain gRPC to the TLS port fails');
});
