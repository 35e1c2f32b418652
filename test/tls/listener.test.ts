// https:// client URLs served by serveClientUrls over the in-memory member: the real etcdctl
// with client certificates (gRPC over TLS, ALPN h2), HTTPS on the same port, and the refusals
// etcd makes: no certificate, another CA, an expired or a revoked certificate, plain HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveClientUrls, type ClientListeners } from '../../src/api/listener.js';
import { ServerTls, emptyTlsInfo } from '../../src/tls/index.js';
import { MemoryServer } from '../api/fixtures/memory-server.js';
import { ETCDCTL_BIN, etcdctl } from '../helpers/etcdctl.js';
import { httpsGet, recordingLogger, tlsProbe } from './fixtures/net.js';
import { TestPki, opensslSkipReason, type KeyPair } from './fixtures/pki.js';

const skip = opensslSkipReason() ?? (existsSync(ETCDCTL_BIN) ? undefined : `${ETCDCTL_BIN} not installed`);
/** Refused etcdctl calls give up quickly instead of retrying for the default 5 s. */
const FAST_FAIL = ['--dial-timeout=1s', '--command-timeout=2s'];

describe('TLS client listener (client-cert-auth, CRL)', { skip }, () => {
  let dir: string;
  let pki: TestPki;
  let client: KeyPair;
  let revoked: KeyPair;
  let listeners: ClientListeners;
  let addr: string;
  const log = recordingLogger();
  const ctl = (pair: Partial<KeyPair>, args: string[], ca = pki.ca.cert) =>
    etcdctl(`https://${addr}`, [`--cacert=${ca}`, ...(pair.cert ? [`--cert=${pair.cert}`, `--key=${pair.key}`] : []), ...FAST_FAIL, ...args]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tetcd-tls-listener-'));
    pki = new TestPki(dir);
    const server = pki.server();
    client = pki.client('client', 'root');
    revoked = pki.client('revoked', 'gone');
    const crlFile = pki.revoke(revoked.cert);
    const tls = new ServerTls({ ...emptyTlsInfo(), certFile: server.cert, keyFile: server.key, trustedCaFile: pki.ca.cert, clientCertAuth: true, crlFile }, log);
    listeners = await serveClientUrls([new URL('https://127.0.0.1:0')], new MemoryServer(), { maxRequestBytes: 1.5 * 1024 * 1024, maxTxnOps: 128, logger: log, tls });
    addr = listeners.addresses[0]!;
  });
  after(async () => {
    await listeners?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports an https URL and logs that it serves securely', () => {
    assert.equal(listeners.urls[0]!.href, `https://${addr}/`);
    assert.ok(log.logged.some((l) => l.msg === 'serving client traffic securely' && (l.obj as { address: string }).address === addr));
  });

  it('serves the real etcdctl (gRPC over TLS) with a client certificate signed by the trusted CA', async () => {
    const put = await ctl(client, ['put', 'foo', 'bar']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, 'OK\n');
    const get = await ctl(client, ['get', 'foo']);
    assert.equal(get.stdout, 'foo\nbar\n');
  });

  it('refuses etcdctl without a certificate, with another CA, expired or revoked', async () => {
    const other = new TestPki(join(dir, 'other'), 'other');
    const stranger = other.client('stranger', 'root');
    const expired = pki.expiredClient('expired', 'old');
    const results = await Promise.all([ctl({}, ['get', 'foo']), ctl(stranger, ['get', 'foo']), ctl(expired, ['get', 'foo']), ctl(revoked, ['get', 'foo'])]);
    for (const [i, r] of results.entries()) {
      assert.notEqual(r.code, 0, `case ${i} must fail`);
      assert.equal(r.stdout, '', `case ${i} must not print a value`);
      assert.match(r.stderr, /context deadline exceeded|transport|connection|handshake|certificate/i, `case ${i}: ${r.stderr}`);
    }
    const rejected = log.logged.filter((l) => l.msg === 'rejected connection').map((l) => (l.obj as { error: string }).error);
    assert.ok(rejected.some((e) => /revoked/.test(e)), `a CRL refusal was logged: ${rejected.join(' | ')}`);
  });

  it('serves HTTPS (HTTP/1.1) on the same port: /health with a client certificate', async () => {
    const res = await httpsGet(addr, '/health', { ca: pki.ca.cert, cert: client.cert, key: client.key });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).health, 'true');
    const v = await httpsGet(addr, '/version', { ca: pki.ca.cert, cert: client.cert, key: client.key });
    assert.equal(v.body, '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
  });

  it('refuses HTTPS without a client certificate, and plain HTTP to the TLS port', async () => {
    await assert.rejects(httpsGet(addr, '/health', { ca: pki.ca.cert }));
    await assert.rejects(fetch(`http://${addr}/health`, { signal: AbortSignal.timeout(5_000) }));
  });

  it('negotiates h2 over ALPN for gRPC clients', async () => {
    const p = await tlsProbe(addr, { ca: pki.ca.cert, cert: client.cert, key: client.key });
    assert.equal(p.alpn, 'h2');
  });

  it('refuses a revoked certificate after the handshake', async () => {
    await assert.rejects(tlsProbe(addr, { ca: pki.ca.cert, cert: revoked.cert, key: revoked.key }));
  });
});

describe('TLS client listener without client-cert-auth', { skip }, () => {
  it('serves etcdctl with only --cacert, and refuses an https URL without a key pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tetcd-tls-plain-'));
    const log = recordingLogger();
    try {
      const pki = new TestPki(dir);
      const server = pki.server();
      const opts = { maxRequestBytes: 1.5 * 1024 * 1024, maxTxnOps: 128, logger: log };
      await assert.rejects(serveClientUrls([new URL('https://127.0.0.1:0')], new MemoryServer(), opts), {
        message: 'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:0 with HTTPS scheme',
      });
      const tls = new ServerTls({ ...emptyTlsInfo(), certFile: server.cert, keyFile: server.key }, log);
      const l = await serveClientUrls([new URL('https://127.0.0.1:0'), new URL('http://127.0.0.1:0')], new MemoryServer(), { ...opts, tls });
      try {
        assert.ok(log.logged.some((m) => m.msg === 'scheme is HTTP while key and cert files are present; ignoring key and cert files'));
        assert.ok(log.logged.some((m) => m.msg === 'serving client traffic insecurely; this is strongly discouraged!'));
        const put = await etcdctl(`https://${l.addresses[0]}`, [`--cacert=${pki.ca.cert}`, ...FAST_FAIL, 'put', 'k', 'v']);
        assert.equal(put.stdout, 'OK\n', put.stderr);
        const get = await etcdctl(l.addresses[1]!, ['get', 'k']);
        assert.equal(get.stdout, 'k\nv\n', get.stderr);
        assert.equal(l.urls[1]!.protocol, 'http:');
      } finally {
        await l.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
