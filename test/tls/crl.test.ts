// CRL parsing against openssl's own CRLs, and unixs:// client URLs (TLS over a socket file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { serveClientUrls } from '../../src/api/listener.js';
import { ServerTls, emptyTlsInfo, parseCrlSerials } from '../../src/tls/index.js';
import { MemoryServer } from '../api/fixtures/memory-server.js';
import { recordingLogger } from './fixtures/net.js';
import { OPENSSL, TestPki, opensslSkipReason } from './fixtures/pki.js';

test('reads the revoked serials of a PEM and a DER CRL, and none from an empty one', { skip: opensslSkipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-crl-'));
  try {
    const pki = new TestPki(dir);
    const empty = pki.path('empty.pem');
    execFileSync(OPENSSL, ['ca', '-config', pki.path('ca.cnf'), '-gencrl', '-out', empty], { stdio: 'ignore' });
    assert.equal(parseCrlSerials(readFileSync(empty)).size, 0);
    const a = pki.client('a', 'a');
    const b = pki.client('b', 'b');
    pki.revoke(a.cert);
    const crl = pki.revoke(b.cert);
    const serials = parseCrlSerials(readFileSync(crl));
    assert.deepEqual([...serials].sort(), [TestPki.serialOf(a.cert), TestPki.serialOf(b.cert)].sort());
    const der = pki.path('crl.der');
    execFileSync(OPENSSL, ['crl', '-in', crl, '-outform', 'DER', '-out', der]);
    assert.deepEqual(parseCrlSerials(readFileSync(der)), serials);
    assert.throws(() => parseCrlSerials(Buffer.from('not a crl')), /malformed CRL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serves HTTPS on a unixs:// socket file', { skip: opensslSkipReason() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-unixs-'));
  try {
    const pki = new TestPki(dir);
    const server = pki.server();
    const log = recordingLogger();
    const tls = new ServerTls({ ...emptyTlsInfo(), certFile: server.cert, keyFile: server.key }, log);
    const socketPath = join(dir, 'tetcd.sock');
    const l = await serveClientUrls([new URL(`unixs://${socketPath}`)], new MemoryServer(), { maxRequestBytes: 1024 * 1024, maxTxnOps: 128, logger: log, tls });
    try {
      assert.equal(l.addresses[0], socketPath);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ socketPath, path: '/health', servername: 'localhost', ca: readFileSync(pki.ca.cert), agent: false, timeout: 5_000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      await l.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
