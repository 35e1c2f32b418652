// The member's TLS from its configuration, as etcd's embed does at start: --auto-tls makes (or
// reuses) a self-signed pair under <data-dir>/fixtures, explicit files win over it, and a
// TLS side that is configured logs etcd's "starting with ... TLS" line.
import { join } from 'node:path';
import type { ServerConfig } from '../config/index.js';
import { tlsClientOptions, type TlsClientOptions } from './client-tls.js';
import { selfCert } from './self-cert.js';
import { ServerTls } from './server-tls.js';
import { describeTlsInfo, isEmpty, type TlsInfo, type TlsLogger } from './tls-info.js';

export type TlsConfig = Pick<
  ServerConfig,
  | 'dataDir'
  | 'listenClientUrls'
  | 'listenPeerUrls'
  | 'certFile'
  | 'keyFile'
  | 'clientCertAuth'
  | 'clientCrlFile'
  | 'clientCertAllowedHostname'
  | 'trustedCaFile'
  | 'autoTls'
  | 'peerCertFile'
  | 'peerKeyFile'
  | 'peerClientCertAuth'
  | 'peerTrustedCaFile'
  | 'peerCertAllowedCn'
  | 'peerCertAllowedHostname'
  | 'peerAutoTls'
  | 'peerCrlFile'
  | 'cipherSuites'
>;

/** The client side's TlsInfo (etcd's cfg.ClientTLSInfo after ClientSelfCert). */
export async function clientTlsInfo(cfg: TlsConfig, logger: TlsLogger): Promise<TlsInfo> {
  const info: TlsInfo = {
    certFile: cfg.certFile,
    keyFile: cfg.keyFile,
    trustedCaFile: cfg.trustedCaFile,
    clientCertAuth: cfg.clientCertAuth,
    crlFile: cfg.clientCrlFile,
    allowedCn: '',
    allowedHostname: cfg.clientCertAllowedHostname,
    cipherSuites: cfg.cipherSuites,
    selfCert: false,
  };
  if (!cfg.autoTls) return info;
  if (!isEmpty(info)) {
    logger.warn({}, 'ignoring client auto TLS since certs given');
    return info;
  }
  const files = await selfCert(join(cfg.dataDir, 'fixtures', 'client'), hosts(cfg.listenClientUrls), false, logger);
  return { ...info, ...files, selfCert: true };
}

/** The peer side's TlsInfo (etcd's cfg.PeerTLSInfo after PeerSelfCert). */
export async function peerTlsInfo(cfg: TlsConfig, logger: TlsLogger): Promise<TlsInfo> {
  const info: TlsInfo = {
    certFile: cfg.peerCertFile,
    keyFile: cfg.peerKeyFile,
    trustedCaFile: cfg.peerTrustedCaFile,
    clientCertAuth: cfg.peerClientCertAuth,
    crlFile: cfg.peerCrlFile,
    allowedCn: cfg.peerCertAllowedCn,
    allowedHostname: cfg.peerCertAllowedHostname,
    cipherSuites: cfg.cipherSuites,
    selfCert: false,
  };
  if (!cfg.peerAutoTls) return info;
  if (!isEmpty(info)) {
    logger.warn({}, 'ignoring peer auto TLS since certs given');
    return info;
  }
  // Peers dial each other with this certificate too, hence the client-auth usage.
  const files = await selfCert(join(cfg.dataDir, 'fixtures', 'peer'), hosts(cfg.listenPeerUrls), true, logger);
  return { ...info, ...files, selfCert: true };
}

/**
 * What `serveClientUrls` needs for https:// and unixs:// URLs: the loaded server TLS, or
 * undefined when no key pair is configured (then only http:// and unix:// URLs can be served).
 */
export async function clientTlsFromConfig(cfg: TlsConfig, logger: TlsLogger): Promise<ServerTls | undefined> {
  const info = await clientTlsInfo(cfg, logger);
  if (isEmpty(info)) return undefined;
  logger.info({ 'tls-info': describeTlsInfo(info), 'cipher-suites': info.cipherSuites }, 'starting with client TLS');
  return new ServerTls(info, logger);
}

/** The peer listener's and the peer dialer's TLS; undefined when peers talk plain HTTP. */
export interface PeerTls {
  readonly info: TlsInfo;
  /** For the peer listener: `server.acceptor(onSecure).accept(rawSocket)`, or `server.serverOptions()`. */
  readonly server: ServerTls;
  /** For dialing peers (`https.Agent` / `tls.connect` options); re-reads the files on each call. */
  client(): TlsClientOptions;
}

export async function peerTlsOptions(cfg: TlsConfig, logger: TlsLogger): Promise<PeerTls | undefined> {
  const info = await peerTlsInfo(cfg, logger);
  if (isEmpty(info)) return undefined;
  logger.info({ 'tls-info': describeTlsInfo(info), 'cipher-suites': info.cipherSuites }, 'starting with peer TLS');
  return { info, server: new ServerTls(info, logger), client: () => tlsClientOptions(info) };
}

function hosts(urls: readonly URL[]): string[] {
  return urls.map((u) => u.hostname.replace(/^\[(.*)\]$/, '$1'));
}
