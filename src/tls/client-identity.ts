// Who is on the other end of a TLS connection: the Common Name of a client certificate that the
// handshake verified against --trusted-ca-file. etcd's auth takes it as the user name when a
// request carries no token (auth/store.go AuthInfoFromTLS) — except for requests that come
// through the gRPC gateway, which etcd never authenticates by certificate.
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/** The part of a grpc-js server call (unary, streaming) that tells its TLS peer. */
export interface CallWithAuthContext {
  getAuthContext?(): { transportSecurityType?: string; sslPeerCertificate?: { subject?: Record<string, string | string[] | undefined> } } | null;
}

/**
 * The CN of the verified client certificate on `socket` (an HTTP request's `req.socket`), or
 * undefined for plain connections, unverified certificates and certificates without a CN.
 */
export function verifiedClientCommonName(socket: Duplex | null | undefined): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  return subjectCn(socket.getPeerCertificate().subject);
}

/**
 * The same for a gRPC call: grpc-js (1.10+) reports the session's TLS socket through
 * `call.getAuthContext()`, which carries the certificate only when it was verified.
 */
export function grpcCallCommonName(call: CallWithAuthContext): string | undefined {
  const ctx = call.getAuthContext?.();
  return subjectCn(ctx?.sslPeerCertificate?.subject);
}

function subjectCn(subject: Record<string, string | string[] | undefined> | undefined): string | undefined {
  const cn = subject?.CN;
  const first = Array.isArray(cn) ? cn[0] : cn;
  return first === undefined || first === '' ? undefined : first;
}
