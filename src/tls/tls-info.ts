// etcd's transport.TLSInfo: what one side (client-facing or peer) of a member knows about its
// TLS, straight from the flags. The listener and the dialer turn it into Node's TLS options.

/** The logger subset TLS code uses (pino's shape). */
export interface TlsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface TlsInfo {
  /** PEM certificate (chain) presented by this side. */
  certFile: string;
  /** Its PEM private key. */
  keyFile: string;
  /** PEM CA bundle that verifies the other side's certificate ('' = Node's default roots). */
  trustedCaFile: string;
  /** Require and verify a client certificate (--client-cert-auth / --peer-client-cert-auth). */
  clientCertAuth: boolean;
  /** CRL whose revoked serials are refused after the handshake ('' = none). */
  crlFile: string;
  /** The client certificate's Common Name must be this (--peer-cert-allowed-cn). */
  allowedCn: string;
  /** The client certificate must be valid for this host name or IP (--*-cert-allowed-hostname). */
  allowedHostname: string;
  /** Go names of the allowed cipher suites (--cipher-suites); empty = Node's defaults. */
  cipherSuites: readonly string[];
  /** Made by --auto-tls: a dialer using it skips verification of the server, as etcd does. */
  selfCert: boolean;
}

/** etcd's TLSInfo.Empty(): no key pair, so no TLS. */
export function isEmpty(info: Pick<TlsInfo, 'certFile' | 'keyFile'>): boolean {
  return info.certFile === '' || info.keyFile === '';
}

export function emptyTlsInfo(): TlsInfo {
  return {
    certFile: '',
    keyFile: '',
    trustedCaFile: '',
    clientCertAuth: false,
    crlFile: '',
    allowedCn: '',
    allowedHostname: '',
    cipherSuites: [],
    selfCert: false,
  };
}

/** etcd's TLSInfo.String(), used in its startup log lines. */
export function describeTlsInfo(info: TlsInfo): string {
  return `cert = ${info.certFile}, key = ${info.keyFile}, trusted-ca = ${info.trustedCaFile}, client-cert-auth = ${info.clientCertAuth}, crl-file = ${info.crlFile}`;
}
