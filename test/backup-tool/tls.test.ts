// tetcd-backup over TLS with client certificates (--client-cert-auth), against tetcd and the
// real etcd 3.4: run with --cert/--key/--cacert → verify --restore-test → restore → the same
// data; a client certificate from another CA is refused with exit 1 and no set.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { V3Client } from '../../src/client/v3.js';
import { ETCD_BIN, etcdSkipReason, freePorts, makeTempDir, removeDir, startServer, tetcdSkipReason, TETCD_BIN, type ServerProcess } from '../helpers/index.js';
import { TestPki, opensslSkipReason, type KeyPair } from '../tls/fixtures/pki.js';
import { cli, dumpKeys, keysOfRestored } from './fixtures.js';

const ALL = Buffer.from([0]);
const MEMBER = 'tlsbackup';

interface TlsServer {
  /** https://127.0.0.1:port */
  url: string;
  proc: ServerProcess;
}

/**
 * One member serving clients on https with --client-cert-auth. Readiness comes from the ready
 * line or from /health on a plain metrics URL: /health on the client URL wants a certificate.
 */
async function startTlsMember(kind: 'tetcd' | 'etcd', dir: string, pki: TestPki, server: KeyPair): Promise<TlsServer> {
  const [cp, pp, mp] = await freePorts(3);
  const url = `https://127.0.0.1:${cp}`;
  const peer = `http://127.0.0.1:${pp}`;
  const flags = [
    `--name=${MEMBER}`, `--data-dir=${join(dir, `${kind}-data`)}`,
    `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=${MEMBER}=${peer}`,
    `--listen-metrics-urls=http://127.0.0.1:${mp}`,
    `--cert-file=${server.cert}`, `--key-file=${server.key}`, '--client-cert-auth', `--trusted-ca-file=${pki.ca.cert}`,
  ];
  const proc = kind === 'etcd'
    ? await startServer({ command: ETCD_BIN, args: ['--logger=zap', ...flags], healthUrl: `http://127.0.0.1:${mp}/health` })
    : await startServer({ command: process.execPath, args: [TETCD_BIN, ...flags], healthUrl: `http://127.0.0.1:${mp}/health` });
  return { url, proc };
}

function tlsClient(url: string, pki: TestPki, client: KeyPair): V3Client {
  return new V3Client({ endpoints: [url], credentials: credentials.createSsl(readFileSync(pki.ca.cert), readFileSync(client.key), readFileSync(client.cert)) });
}

/** Puts /app/k0../app/k{n-1} and deletes /app/k0 (a tombstone in the snapshot), over TLS. */
async function putKeysTls(c: V3Client, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await c.unary('kv', 'put', { key: Buffer.from(`/app/k${i}`), value: Buffer.from(`tls${i}`), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false });
  await c.unary('kv', 'deleteRange', { key: Buffer.from('/app/k0'), range_end: Buffer.alloc(0), prev_kv: false });
}

/** The keyspace as dumpKeys (fixtures.ts) prints it, read over TLS. */
async function dumpKeysTls(c: V3Client): Promise<string[]> {
  const r = await c.unary('kv', 'range', {
    key: ALL, range_end: ALL, limit: 0n, revision: 0n, sort_order: 0, sort_target: 0, serializable: false,
    keys_only: false, count_only: false, min_mod_revision: 0n, max_mod_revision: 0n, min_create_revision: 0n, max_create_revision: 0n,
  });
  return r.kvs.map((kv) => `${kv.key.toString()}=${kv.value.toString()}@${kv.create_revision}/${kv.mod_revision}/${kv.version}`);
}


const setsIn = (target: string) => (existsSync(target) ? readdirSync(target) : []);

for (const kind of ['tetcd', 'etcd'] as const) {
  const skip = tetcdSkipReason() ?? opensslSkipReason() ?? (kind === 'etcd' ? etcdSkipReason() : undefined);
  describe(`tetcd-backup with client certificates against ${kind === 'etcd' ? 'the real etcd 3.4' : 'tetcd'}`, { skip }, () => {
    let dir: string;
    let pki: TestPki;
    let client: KeyPair;
    let member: TlsServer;
    let before_: string[];
    /** stderr of the run with the stranger's certificate. */
    let refused = '';
    before(async () => {
      dir = await makeTempDir(`backup-tls-${kind}`);
      pki = new TestPki(join(dir, 'pki'));
      client = pki.client('client', 'root');
      member = await startTlsMember(kind, dir, pki, pki.server('server'));
      const c = tlsClient(member.url, pki, client);
      try {
        await putKeysTls(c, 9);
        before_ = await dumpKeysTls(c);
      } finally {
        c.close();
      }
    });
    after(async () => {
      await member?.proc.stop();
      if (dir) await removeDir(dir);
    });

    it('runs with --cert/--key/--cacert, verifies with a restore test, restores the same data', async () => {
      assert.equal(before_.length, 8);
      const target = join(dir, 'sets');
      const tls = ['--cert', client.cert, '--key', client.key, '--cacert', pki.ca.cert];
      const run = await cli(['run', '--target', target, '--endpoints', member.url, ...tls, '--no-config', '--no-encrypt']);
      assert.equal(run.code, 0, run.stderr);
      const set = run.stdout.trim();
      assert.deepEqual(setsIn(target), [set]);
      assert.match(run.stderr, new RegExp(`backing up from ${member.url.replace(/[.]/g, '\\.')}`));

      const verify = await cli(['verify', '--target', target, '--restore-test']);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /OK \(restore test: revision \d+, 8 keys/);

      const dataDir = join(dir, 'restored');
      const restore = await cli(['restore', '--target', target, '--set', set, '--name', MEMBER, '--data-dir', dataDir]);
      assert.equal(restore.code, 0, restore.stderr);
      assert.deepEqual(await keysOfRestored(dataDir, MEMBER), before_);
    });

    it('a client certificate from another CA is refused: exit 1, the endpoint named, no set; so is an untrusted server certificate', async () => {
      const other = new TestPki(join(dir, 'other-pki'), 'otherca');
      const stranger = other.client('stranger', 'root');
      const target = join(dir, 'refused');
      const r = await cli(['run', '--target', target, '--endpoints', member.url, '--cert', stranger.cert, '--key', stranger.key, '--cacert', pki.ca.cert, '--no-config', '--no-encrypt']);
      refused = r.stderr;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^Error: no healthy endpoint: ${member.url.replace(/[.]/g, '\\.')}: \\S`, 'm'));
      assert.deepEqual(setsIn(target), [], 'nothing left behind, not even a staged set');

      // and a server certificate the client does not trust (its --cacert is the other CA)
      const untrusted = await cli(['run', '--target', target, '--endpoints', member.url, '--cert', client.cert, '--key', client.key, '--cacert', other.ca.cert, '--no-config', '--no-encrypt']);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /no healthy endpoint: https:\/\/127\.0\.0\.1:\d+: \S/);
      assert.match(untrusted.stderr, /TLS: the server certificate is not trusted/);
      assert.deepEqual(setsIn(target), []);
    });

    // grpc-js reports only a deadline; firstHealthy's TLS probe names the certificate.
    it('says the refusal is about the certificate', () => {
      assert.match(refused, /TLS: the server refused the client certificate/);
    });
  });
}
