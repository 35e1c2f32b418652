// TLS for the member's listeners and dialers: etcd's TLSInfo from the flags, auto-TLS, cipher
// suites, CRLs, certificate reloading, and the verified client certificate's Common Name.
export { type TlsInfo, type TlsLogger, emptyTlsInfo, isEmpty, describeTlsInfo } from './tls-info.js';
export { ServerTls, ALPN_PROTOCOLS, commonName, type TlsAcceptor } from './server-tls.js';
export { tlsClientOptions, type TlsClientOptions } from './client-tls.js';
export { clientTlsInfo, peerTlsInfo, clientTlsFromConfig, peerTlsOptions, type PeerTls, type TlsConfig } from './from-config.js';
export { verifiedClientCommonName, grpcCallCommonName, type CallWithAuthContext } from './client-identity.js';
export { openSslCiphers } from './cipher-suites.js';
export { parseCrlSerials } from './crl.js';
export { selfCert } from './self-cert.js';
