import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { msg, startNode, stopNode, waitFor } from './fixture.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Pki {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A CA and one peer certificate (server and client auth, IP SAN 127.0.0.1) signed by it. */
async function makePki(dir: string): Promise<Pki> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=tetcd test ca', '-days', '1');
  run('req', ...ec, '-keyout', 'peer.key', '-out', 'peer.csr', '-subj', '/CN=peer');
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  run('x509', '-req', '-in', 'peer.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'peer.crt', '-days', '1', '-extfile', 'ext.cnf');
  return { ca: await readFile(join(dir, 'ca.crt')), cert: await readFile(join(dir, 'peer.crt')), key: await readFile(join(dir, 'peer.key')) };
}

test('peers over https with client-cert auth; a client without a certificate is refused', { skip: hasOpenssl() ? false : 'openssl CLI not installed' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-peer-tls-'));
  const pki = await makePki(dir);
  const tls = {
    server: { key: pki.key, cert: pki.cert, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
    client: { key: pki.key, cert: pki.cert, ca: pki.ca },
  };
  const a = await startNode(1n, { scheme: 'https', tls });
  const b = await startNode(2n, { scheme: 'https', tls });
  // Trusts the server but has no client certificate of its own.
  const anonymous = await startNode(3n, { tls: { client: { ca: pki.ca } } });
  try {
    assert.match(a.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    a.transport.addPeer(2n, [b.url]);
    b.transport.addPeer(1n, [a.url]);
    b.transport.addPeer(3n, [anonymous.url]);
    a.transport.send([1, 2, 3].map((i) => msg(1n, 2n, i)));
    b.transport.send([msg(2n, 1n, 1)]);
    await waitFor('messages over TLS', () => b.received.length === 3 && a.received.length === 1);
    assert.deepEqual(b.received.map((m) => m.index), [1, 2, 3]);

    anonymous.transport.addPeer(2n, [b.url]);
    anonymous.transport.send([msg(3n, 2n, 1)]);
    await waitFor('handshake refused', () => b.logs.some((l) => l.msg === 'rejected connection'));
    assert.equal(anonymous.transport.isActive(2n), false);
    assert.equal(b.received.filter((m) => m.from === 3n).length, 0);

    // The same at the HTTPS level: no client certificate, no answer.
    await assert.rejects(
      new Promise((resolve, reject) => https.get(`${b.url}/version`, { ca: pki.ca }, resolve).on('error', reject)),
      (err: NodeJS.ErrnoException) => typeof err.code === 'string',
    );
    // And with one, /version answers.
    const ok = await new Promise<number>((resolve, reject) =>
      https.get(`${b.url}/version`, { ca: pki.ca, cert: pki.cert, key: pki.key }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject),
    );
    assert.equal(ok, 200);
  } finally {
    await stopNode(anonymous);
    await stopNode(a);
    await stopNode(b);
    await rm(dir, { recursive: true, force: true });
  }
});
