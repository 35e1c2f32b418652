// --auto-tls / --peer-auto-tls as etcd's transport.SelfCert: a self-signed certificate for the
// listen hosts in <data-dir>/fixtures/{client,peer}, kept across restarts (an existing pair is
// reused), the key written 0600 in a 0700 directory.
import { createPrivateKey } from 'node:crypto';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { TlsLogger } from './tls-info.js';

/** etcd's self-signed certificates are valid for one year. */
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

export interface SelfCertFiles {
  certFile: string;
  keyFile: string;
}

/**
 * Makes (or reuses) `cert.pem` and `key.pem` in `dir` for `hosts` (host names or IPs, without
 * ports). `clientAuth` adds the client-auth usage peers need to dial each other with it.
 */
export async function selfCert(dir: string, hosts: readonly string[], clientAuth: boolean, logger: TlsLogger): Promise<SelfCertFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  if ((await exists(files.certFile)) && (await exists(files.keyFile))) return files;

  const now = Date.now();
  const altNames = [...new Set(hosts)].map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const pems = await generate([{ name: 'organizationName', value: 'etcd' }], {
    keyType: 'ec',
    curve: 'P-521',
    algorithm: 'sha512',
    notBeforeDate: new Date(now),
    notAfterDate: new Date(now + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName' as const, altNames }] : []),
    ],
  });
  await writeFile(files.certFile, pems.cert, { mode: 0o644 });
  logger.info({ path: files.certFile }, 'created cert file');
  // etcd writes the key as an "EC PRIVATE KEY" (SEC1) block.
  const key = createPrivateKey(pems.private).export({ type: 'sec1', format: 'pem' });
  await writeFile(files.keyFile, key, { mode: 0o600 });
  await chmod(files.keyFile, 0o600); // in case an old key file was there with looser bits
  logger.info({ path: files.keyFile }, 'created key file');
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
