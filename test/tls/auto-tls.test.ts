// --auto-tls as etcd: a self-signed pair in <data-dir>/fixtures/client (key 0600, reused on the
// next start), served to the real etcdctl with --insecure-skip-tls-verify; and the TLS flags as
// the config parses them into the client and peer TLS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { serveClientUrls } from '../../src/api/listener.js';
import { parseServerConfig, type ServerConfig } from '../../src/config/index.js';
import { clientTlsFromConfig, peerTlsOptions } from '../../src/tls/index.js';
import { MemoryServer } from '../api/fixtures/memory-server.js';
import { ETCDCTL_BIN, etcdctl } from '../helpers/etcdctl.js';
import { recordingLogger } from './fixtures/net.js';
import { TestPki, opensslSkipReason } from './fixtures/pki.js';

function config(args: string[]): ServerConfig {
  const c = parseServerConfig(args, {});
  assert.ok(!('help' in c) && !('version' in c));
  return c as ServerConfig;
}

describe('auto TLS', { skip: existsSync(ETCDCTL_BIN) ? undefined : `${ETCDCTL_BIN} not installed` }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tetcd-auto-tls-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a self-signed certificate under <data-dir>/fixtures/client that etcdctl accepts with --insecure-skip-tls-verify', async () => {
    const log = recordingLogger();
    const cfg = config(['--data-dir', dir, '--auto-tls', '--listen-client-urls', 'https://127.0.0.1:0', '--advertise-client-urls', 'https://127.0.0.1:2379']);
    const tls = await clientTlsFromConfig(cfg, log);
    assert.ok(tls, 'auto TLS gives a server TLS');
    const certFile = join(dir, 'fixtures', 'client', 'cert.pem');
    const keyFile = join(dir, 'fixtures', 'client', 'key.pem');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'fixtures', 'client')).mode & 0o777, 0o700);
    assert.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
    const x509 = new X509Certificate(readFileSync(certFile));
    assert.match(x509.subject, /O=etcd/);
    assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(log.logged.some((l) => l.msg === 'created key file'));
    assert.ok(log.logged.some((l) => l.msg === 'starting with client TLS'));

    const l = await serveClientUrls(cfg.listenClientUrls, new MemoryServer(), { maxRequestBytes: 1.5 * 1024 * 1024, maxTxnOps: 128, logger: log, tls });
    try {
      const ep = `https://${l.addresses[0]}`;
      const put = await etcdctl(ep, ['--insecure-transport=false', '--insecure-skip-tls-verify', 'put', 'a', '1']);
      assert.equal(put.stdout, 'OK\n', put.stderr);
      const verified = await etcdctl(ep, ['--insecure-transport=false', '--dial-timeout=1s', '--command-timeout=2s', 'get', 'a']);
      assert.notEqual(verified.code, 0, 'a self-signed certificate does not verify');
    } finally {
      await l.close();
    }

    // The next start reuses the pair instead of making a new one.
    const again = await clientTlsFromConfig(cfg, recordingLogger());
    assert.equal(again?.info.certFile, certFile);
    assert.equal(new X509Certificate(readFileSync(certFile)).serialNumber, x509.serialNumber);
  });

  it('ignores --auto-tls when cert files are given, as etcd warns', async () => {
    const log = recordingLogger();
    const cfg = config(['--data-dir', dir, '--auto-tls', '--cert-file', '/x.crt', '--key-file', '/x.key']);
    await assert.rejects(clientTlsFromConfig(cfg, log), /ENOENT/);
    assert.ok(log.logged.some((l) => l.msg === 'ignoring client auto TLS since certs given'));
  });
});

describe('peer TLS from the configuration', { skip: opensslSkipReason() }, () => {
  it('accepts the peer TLS flags and gives a listener and a dialer that talk mutual TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tetcd-peer-tls-'));
    try {
      const pki = new TestPki(dir);
      const m = pki.server('member');
      const crl = pki.revoke(pki.client('old', 'old').cert);
      const cfg = config([
        '--data-dir', dir,
        '--peer-cert-file', m.cert, '--peer-key-file', m.key, '--peer-trusted-ca-file', pki.ca.cert,
        '--peer-client-cert-auth', '--peer-crl-file', crl, '--peer-cert-allowed-cn', 'tetcd server',
        '--cipher-suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      ]);
      assert.equal(cfg.peerCertAllowedCn, 'tetcd server');
      assert.equal(cfg.peerCrlFile, crl);
      const peer = await peerTlsOptions(cfg, recordingLogger());
      assert.ok(peer);
      assert.equal(peer.info.clientCertAuth, true);
      const acceptor = peer.server.acceptor((s) => s.end('hello peer'));
      const srv = createServer((raw) => acceptor.accept(raw));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      try {
        const port = (srv.address() as AddressInfo).port;
        const body = await new Promise<string>((resolve, reject) => {
          const sock = connect({ host: '127.0.0.1', port, servername: 'localhost', timeout: 5_000, ...peer.client() });
          let got = '';
          sock.on('data', (d: Buffer) => (got += d.toString()));
          sock.on('end', () => resolve(got));
          sock.on('timeout', () => sock.destroy(new Error('timeout')));
          sock.on('error', reject);
        });
        assert.equal(body, 'hello peer');
      } finally {
        acceptor.close();
        await new Promise<void>((r) => srv.close(() => r()));
      }
      assert.equal(await peerTlsOptions(config(['--data-dir', dir]), recordingLogger()), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--peer-auto-tls makes a pair with the client-auth usage, and the dialer skips verification', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tetcd-peer-auto-'));
    try {
      const peer = await peerTlsOptions(config(['--data-dir', dir, '--peer-auto-tls']), recordingLogger());
      assert.ok(peer?.info.selfCert);
      const x509 = new X509Certificate(readFileSync(join(dir, 'fixtures', 'peer', 'cert.pem')));
      assert.ok(x509.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'clientAuth usage');
      assert.equal(peer.client().rejectUnauthorized, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
