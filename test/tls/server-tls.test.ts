// ServerTls on its own: certificate rotation without a restart, --cipher-suites, the allowed CN,
// and the Common Name of a verified client certificate as HTTP and gRPC handlers read it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync as readFile, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server as GrpcServer, ServerCredentials, credentials, makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { ServerTls, emptyTlsInfo, grpcCallCommonName, openSslCiphers, verifiedClientCommonName, type TlsInfo } from '../../src/tls/index.js';
import { httpsGet, recordingLogger, serveTls, tlsProbe } from './fixtures/net.js';
import { TestPki, opensslSkipReason, type KeyPair } from './fixtures/pki.js';

const skip = opensslSkipReason();

describe('ServerTls', { skip }, () => {
  let dir: string;
  let pki: TestPki;
  let server: KeyPair;
  let client: KeyPair;
  const log = recordingLogger();
  const info = (more: Partial<TlsInfo>): TlsInfo => ({ ...emptyTlsInfo(), certFile: server.cert, keyFile: server.key, trustedCaFile: pki.ca.cert, ...more });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tetcd-server-tls-'));
    pki = new TestPki(dir);
    server = pki.server('server', 0x5001);
    client = pki.client('client', 'alice');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uses a rotated certificate for new connections, without a restart', async () => {
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(server.cert, live.cert);
    copyFileSync(server.key, live.key);
    const tls = new ServerTls({ ...emptyTlsInfo(), certFile: live.cert, keyFile: live.key }, log);
    const s = await serveTls(tls, () => {});
    try {
      assert.equal((await tlsProbe(s.addr, { ca: pki.ca.cert })).serial, '5001');
      const next = pki.server('server2', 0x5002);
      // Half a rotation (new key, old cert) keeps the old pair; the finished one is picked up.
      copyFileSync(next.key, live.key);
      assert.equal((await tlsProbe(s.addr, { ca: pki.ca.cert })).serial, '5001');
      assert.ok(log.logged.some((l) => l.msg === 'cannot load the changed TLS certificate files; keeping the previous ones'));
      copyFileSync(next.cert, live.cert);
      assert.equal((await tlsProbe(s.addr, { ca: pki.ca.cert })).serial, '5002');
      assert.ok(log.logged.some((l) => l.msg === 'reloaded TLS certificate files'));
    } finally {
      await s.close();
    }
  });

  it('limits TLS 1.2 to --cipher-suites (Go names) and refuses unknown names', async () => {
    const tls = new ServerTls(info({ cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }), log);
    const s = await serveTls(tls, () => {});
    try {
      const tls12 = { maxVersion: 'TLSv1.2' as const };
      const ok = await tlsProbe(s.addr, { ca: pki.ca.cert }, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384' });
      assert.equal(ok.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
      await assert.rejects(tlsProbe(s.addr, { ca: pki.ca.cert }, { ...tls12, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }));
      // Go always offers TLS 1.3 whatever the list says; so does tetcd.
      assert.equal((await tlsProbe(s.addr, { ca: pki.ca.cert })).cipher, 'TLS_AES_256_GCM_SHA384');
    } finally {
      await s.close();
    }
    assert.throws(() => new ServerTls(info({ cipherSuites: ['TLS_NOPE'] }), log), { message: 'unexpected TLS cipher suite "TLS_NOPE"' });
    assert.equal(openSslCiphers(['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305']), 'ECDHE-RSA-CHACHA20-POLY1305:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256');
    assert.equal(openSslCiphers([]), undefined);
  });

  it('refuses a client whose CN is not --peer-cert-allowed-cn', async () => {
    const tls = new ServerTls(info({ clientCertAuth: true, allowedCn: 'member' }), log);
    const member = pki.client('member', 'member');
    const s = await serveTls(tls, () => {});
    try {
      await tlsProbe(s.addr, { ca: pki.ca.cert, cert: member.cert, key: member.key });
      await assert.rejects(tlsProbe(s.addr, { ca: pki.ca.cert, cert: client.cert, key: client.key }));
    } finally {
      await s.close();
    }
    assert.throws(() => new ServerTls(info({ allowedCn: 'a', allowedHostname: 'b' }), log), /mutually exclusive/);
  });

  it('gives HTTP handlers the verified client CN through req.socket', async () => {
    const tls = new ServerTls(info({ clientCertAuth: true }), log);
    const http = createHttpServer((req, res) => res.end(verifiedClientCommonName(req.socket) ?? '(none)'));
    const s = await serveTls(tls, (sock) => http.emit('connection', sock));
    try {
      assert.equal((await httpsGet(s.addr, '/', { ca: pki.ca.cert, cert: client.cert, key: client.key })).body, 'alice');
    } finally {
      await s.close();
      http.close();
    }
    const noAuth = new ServerTls(info({}), log);
    const http2 = createHttpServer((req, res) => res.end(verifiedClientCommonName(req.socket) ?? '(none)'));
    const s2 = await serveTls(noAuth, (sock) => http2.emit('connection', sock));
    try {
      // Without client-cert-auth no certificate is asked for, so there is no CN to trust.
      assert.equal((await httpsGet(s2.addr, '/', { ca: pki.ca.cert, cert: client.cert, key: client.key })).body, '(none)');
    } finally {
      await s2.close();
      http2.close();
    }
  });

  it('gives gRPC handlers the verified client CN through call.getAuthContext()', async () => {
    const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
    const def: ServiceDefinition = {
      whoAmI: {
        path: '/test.Who/WhoAmI',
        requestStream: false,
        responseStream: false,
        requestSerialize: bytes.serialize,
        requestDeserialize: bytes.deserialize,
        responseSerialize: bytes.serialize,
        responseDeserialize: bytes.deserialize,
      },
    };
    const grpc = new GrpcServer();
    grpc.addService(def, { whoAmI: (call: Parameters<typeof grpcCallCommonName>[0], cb: (e: null, r: Buffer) => void) => cb(null, Buffer.from(grpcCallCommonName(call) ?? '(none)')) });
    const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
    const s = await serveTls(new ServerTls(info({ clientCertAuth: true }), log), (sock) => injector.injectConnection(sock));
    const Client = makeGenericClientConstructor(def, 'Who');
    const c = new Client(s.addr, credentials.createSsl(readFile(pki.ca.cert), readFile(client.key), readFile(client.cert)));
    try {
      const reply = await new Promise<Buffer>((resolve, reject) =>
        (c as unknown as { whoAmI(r: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void): void }).whoAmI(Buffer.alloc(0), { deadline: Date.now() + 5_000 }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      assert.equal(reply.toString(), 'alice');
    } finally {
      c.close();
      injector.destroy();
      grpc.forceShutdown();
      await s.close();
    }
  });
});
