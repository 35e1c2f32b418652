// The dialing side, as etcd's TLSInfo.ClientConfig: a member dialing its peers presents its
// peer certificate and verifies theirs against --peer-trusted-ca-file; an --auto-tls (self-signed)
// certificate cannot be verified, so verification is skipped, as etcd does.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { openSslCiphers } from './cipher-suites.js';
import { isEmpty, type TlsInfo } from './tls-info.js';

/** Node's options for `tls.connect`, `https.request` or an `https.Agent`. */
export type TlsClientOptions = Pick<ConnectionOptions, 'cert' | 'key' | 'ca' | 'ciphers' | 'minVersion' | 'rejectUnauthorized' | 'ALPNProtocols'>;

/** Reads the files now: call again after a rotation to dial with the new certificate. */
export function tlsClientOptions(info: TlsInfo, alpn: readonly string[] = ['http/1.1']): TlsClientOptions {
  const ciphers = openSslCiphers(info.cipherSuites);
  return {
    ...(isEmpty(info) ? {} : { cert: readFileSync(info.certFile), key: readFileSync(info.keyFile) }),
    ...(info.trustedCaFile !== '' ? { ca: readFileSync(info.trustedCaFile) } : {}),
    ...(ciphers !== undefined ? { ciphers } : {}),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: !info.selfCert,
    ALPNProtocols: [...alpn],
  };
}
