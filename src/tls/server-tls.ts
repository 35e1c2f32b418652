// The server side of TLS for a listener (client or peer), as etcd's TLSInfo.ServerConfig plus its
// tlsListener: TLS 1.2+, ALPN h2 and http/1.1, client certificates required and verified with
// client-cert-auth, then etcd's post-handshake checks (CRL, allowed CN / hostname). Certificate
// files are re-read when they change, so new handshakes use a rotated certificate.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { checkServerIdentity, createSecureContext, createServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { openSslCiphers } from './cipher-suites.js';
import { CrlFile, type SerialHex } from './crl.js';
import { isEmpty, type TlsInfo, type TlsLogger } from './tls-info.js';
import { WatchedFiles } from './watched-files.js';

/** What a TLS listener offers in ALPN: gRPC needs h2; everything else speaks HTTP/1.1. */
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'];
/** etcd's baseConfig: MinVersion tls.VersionTLS12. */
const MIN_VERSION = 'TLSv1.2';

/** Takes raw accepted sockets, handshakes them and hands on those that pass every check. */
export interface TlsAcceptor {
  accept(raw: Socket): void;
  close(): void;
}

export class ServerTls {
  private readonly files: WatchedFiles;
  private readonly crl: CrlFile | undefined;
  private readonly ciphers: string | undefined;
  private readonly acceptors = new Set<TlsServer>();

  /** Loads and checks everything once, so bad files or flags fail at start as in etcd. */
  constructor(
    readonly info: TlsInfo,
    private readonly logger: TlsLogger,
  ) {
    if (isEmpty(info)) throw new Error('KeyFile and CertFile are not presented');
    if (info.allowedCn !== '' && info.allowedHostname !== '') {
      throw new Error(`AllowedCN and AllowedHostname are mutually exclusive (cn=${JSON.stringify(info.allowedCn)}, hostname=${JSON.stringify(info.allowedHostname)})`);
    }
    this.ciphers = openSslCiphers(info.cipherSuites);
    this.files = new WatchedFiles([info.certFile, info.keyFile, info.trustedCaFile].filter((f) => f !== ''));
    createSecureContext(this.contextOptions());
    this.crl = info.crlFile === '' ? undefined : new CrlFile(info.crlFile);
  }

  /** The key pair, CA and ciphers as Node's secure-context options, read from disk now. */
  contextOptions(): SecureContextOptions {
    const { certFile, keyFile, trustedCaFile } = this.info;
    return {
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      ...(trustedCaFile !== '' ? { ca: readFileSync(trustedCaFile) } : {}),
      ...(this.ciphers !== undefined ? { ciphers: this.ciphers } : {}),
      minVersion: MIN_VERSION,
    };
  }

  /** Options for `tls.createServer` / `https.createServer` (no reloading: see acceptor()). */
  serverOptions(): TlsOptions {
    return {
      ...this.contextOptions(),
      requestCert: this.info.clientCertAuth,
      rejectUnauthorized: this.info.clientCertAuth,
      ALPNProtocols: ALPN_PROTOCOLS,
    };
  }

  /**
   * etcd's post-handshake checks: the CRL, then the allowed CN / hostname of the client
   * certificate. Returns why the connection must be refused, or null.
   */
  check(socket: TLSSocket): Error | null {
    const chain = peerChain(socket);
    if (chain.length === 0) return null;
    if (this.crl !== undefined) {
      const serials = chain.map((c) => c.serialNumber as SerialHex);
      try {
        const revoked = serials.find((s) => this.crl!.revoked([s]));
        if (revoked !== undefined) return new Error(`transport: certificate serial ${revoked.toLowerCase()} revoked`);
      } catch (err) {
        return err as Error;
      }
    }
    const leaf = chain[0]!;
    if (this.info.allowedCn !== '' && commonName(leaf) !== this.info.allowedCn) return new Error('client certificate authentication failed');
    if (this.info.allowedHostname !== '' && checkServerIdentity(this.info.allowedHostname, socket.getPeerCertificate()) !== undefined) {
      return new Error('client certificate authentication failed');
    }
    return null;
  }

  /**
   * An acceptor that performs the handshake on sockets from any listener (TCP or unix) and calls
   * `onSecure` with the TLS socket once the handshake and checks passed. Before each handshake
   * the certificate files are checked for changes and a new secure context is made from them.
   */
  acceptor(onSecure: (socket: TLSSocket) => void): TlsAcceptor {
    const server = createServer(this.serverOptions(), (socket) => {
      const err = this.check(socket);
      if (err === null) return onSecure(socket);
      this.rejected(socket, err);
      socket.destroy();
    });
    server.on('tlsClientError', (err, socket) => this.rejected(socket, err));
    this.acceptors.add(server);
    return {
      accept: (raw) => {
        this.reload();
        server.emit('connection', raw);
      },
      close: () => {
        this.acceptors.delete(server);
        server.close();
      },
    };
  }

  private reload(): void {
    if (!this.files.changed()) return;
    try {
      const opts = this.contextOptions();
      createSecureContext(opts); // throws on a cert that does not match its key
      for (const s of this.acceptors) s.setSecureContext(opts);
      this.logger.info({ cert: this.info.certFile, key: this.info.keyFile }, 'reloaded TLS certificate files');
    } catch (err) {
      // A rotation that wrote one file but not yet the other: keep the old pair for now and
      // try again on the next connection.
      this.files.markStale();
      this.logger.warn({ cert: this.info.certFile, error: (err as Error).message }, 'cannot load the changed TLS certificate files; keeping the previous ones');
    }
  }

  /** etcd's logTLSHandshakeFailure (zap): one warning per refused connection. */
  private rejected(socket: TLSSocket, err: Error): void {
    const fields: Record<string, unknown> = { 'remote-addr': remoteAddr(socket), 'server-name': serverName(socket) };
    const leaf = safePeerLeaf(socket);
    if (leaf !== undefined) {
      const san = leaf.subjectAltName ?? '';
      fields['ip-addresses'] = [...san.matchAll(/IP Address:([^,\s]+)/g)].map((m) => m[1]);
      fields['dns-names'] = [...san.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]);
    }
    fields.error = err.message;
    this.logger.warn(fields, 'rejected connection');
  }
}

/** The certificates the peer presented, leaf first. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let cert = socket.getPeerX509Certificate();
  for (let depth = 0; cert !== undefined && depth < 10; depth++) {
    out.push(cert);
    if (cert.issuerCertificate === undefined || cert.issuerCertificate.fingerprint256 === cert.fingerprint256) break;
    cert = cert.issuerCertificate;
  }
  return out;
}

function safePeerLeaf(socket: TLSSocket): X509Certificate | undefined {
  try {
    return socket.getPeerX509Certificate();
  } catch {
    return undefined;
  }
}

/** The subject's (first) Common Name. */
export function commonName(cert: X509Certificate): string {
  const m = /^CN=(.*)$/m.exec(cert.subject);
  return m?.[1] ?? '';
}

function remoteAddr(socket: TLSSocket): string {
  const a = socket.remoteAddress ?? '';
  return a.includes(':') ? `[${a}]:${socket.remotePort}` : `${a}:${socket.remotePort}`;
}

function serverName(socket: TLSSocket): string {
  const n = (socket as TLSSocket & { servername?: string | false }).servername;
  return typeof n === 'string' ? n : '';
}
