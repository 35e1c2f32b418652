// The TLS probe behind "(TLS: ...)" in endpoint failures: IPv6 literals, plain network errors
// (no TLS label), and TLS files gone since they were first read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tlsProblem } from '../../src/backup-tool/endpoints.js';
import { freePort, makeTempDir, removeDir } from '../helpers/index.js';

/** A TCP server on `host` that closes every connection at once (no TLS handshake ever done). */
async function closingServer(host: string): Promise<{ server: Server; port: number } | undefined> {
  const server = createServer((s) => s.destroy());
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => resolve(true));
  });
  if (!ok) return undefined;
  return { server, port: (server.address() as { port: number }).port };
}

describe('tlsProblem', () => {
  it('connects to a bracketed IPv6 literal ([::1])', { timeout: 10_000 }, async (t) => {
    const s = await closingServer('::1');
    if (!s) return t.skip('no IPv6 loopback here');
    try {
      // it reached the server (before: getaddrinfo ENOTFOUND [::1]) and saw it end the handshake
      assert.match((await tlsProblem(`https://[::1]:${s.port}`, {}))!, /disconnected before secure TLS connection|closed the connection during the TLS handshake/);
    } finally {
      s.server.close();
    }
  });

  it('gives no TLS reason for a refused connection', { timeout: 10_000 }, async () => {
    const port = await freePort();
    assert.equal(await tlsProblem(`https://127.0.0.1:${port}`, {}), undefined);
  });

  it('resolves with a reason, never rejects, when a TLS file has vanished', { timeout: 10_000 }, async () => {
    const dir = await makeTempDir('backup-tool-tlsprobe');
    try {
      const port = await freePort();
      assert.match((await tlsProblem(`https://127.0.0.1:${port}`, { cacert: join(dir, 'gone-ca.crt') }))!, /cannot read the TLS files: .*gone-ca\.crt/);
    } finally {
      await removeDir(dir);
    }
  });
});
