// Who a v2 request is and what it may touch (etcd: v2http/client_auth.go). With auth off every
// request passes. With auth on a request is its basic-auth user, or, when it sends no
// Authorization header over a connection whose client certificate was verified, the user named
// by a certificate's common name; a request with neither is the guest role's.
import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { GUEST_ROLE, roleHasAccess, ROOT_ROLE } from './permissions.js';
import type { V2AuthStore } from './store.js';
import type { User } from './types.js';

const BASIC_PREFIX = 'basic ';

/** Go's Request.BasicAuth: "Basic " (any case), base64 of "user:password". */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined || header.length < BASIC_PREFIX.length) return null;
  if (header.slice(0, BASIC_PREFIX.length).toLowerCase() !== BASIC_PREFIX) return null;
  const encoded = header.slice(BASIC_PREFIX.length);
  // Go's StdEncoding is strict: padded, no stray characters.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');
  return { user: utf8(decoded.slice(0, colon)), password: utf8(decoded.slice(colon + 1)) };
}

async function userFromBasicAuth(store: V2AuthStore, req: IncomingMessage): Promise<User | null> {
  const creds = parseBasicAuth(req.headers.authorization);
  if (creds === null) return null;
  let user: User;
  try {
    user = await store.getUser(creds.user);
  } catch {
    return null;
  }
  return (await store.checkPassword(user, creds.password)) ? user : null;
}

/** The common names of a verified client certificate chain, leaf first. */
function verifiedCommonNames(req: IncomingMessage): string[] {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return [];
  const names: string[] = [];
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const cn = cert.subject?.CN;
    if (typeof cn === 'string') names.push(cn);
    cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return names;
}

/**
 * userFromClientCertificate. A verified client chain exists only when the listener asks for
 * and checks client certificates, i.e. with --client-cert-auth, so its presence stands for
 * etcd's clientCertAuthEnabled.
 */
async function userFromClientCertificate(store: V2AuthStore, req: IncomingMessage): Promise<User | null> {
  for (const cn of verifiedCommonNames(req)) {
    try {
      return await store.getUser(cn);
    } catch {
      // etcd tries the next certificate of the chain.
    }
  }
  return null;
}

function hasAuthorizationHeader(req: IncomingMessage): boolean {
  return (req.headers.authorization ?? '') !== '';
}

/** hasRootAccess: auth off, or an authenticated user holding the root role. */
export async function hasRootAccess(store: V2AuthStore, req: IncomingMessage): Promise<boolean> {
  if (!store.authEnabled()) return true;
  const user = hasAuthorizationHeader(req) ? await userFromBasicAuth(store, req) : await userFromClientCertificate(store, req);
  return user !== null && (user.roles ?? []).includes(ROOT_ROLE);
}

/** hasWriteRootAccess: reads pass, anything else needs root. */
export async function hasWriteRootAccess(store: V2AuthStore, req: IncomingMessage): Promise<boolean> {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  return hasRootAccess(store, req);
}

/**
 * hasKeyPrefixAccess for key (the path under /v2/keys, e.g. "/foo/bar"): a write is anything
 * but GET and HEAD; recursive requests need a prefix permission over the key.
 */
export async function hasKeyPrefixAccess(store: V2AuthStore, req: IncomingMessage, key: string, recursive: boolean): Promise<boolean> {
  if (!store.authEnabled()) return true;
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  let user: User | null = null;
  if (hasAuthorizationHeader(req)) {
    user = await userFromBasicAuth(store, req);
    if (user === null) return false;
  } else {
    user = await userFromClientCertificate(store, req);
    if (user === null) return hasGuestAccess(store, key, write);
  }
  for (const name of user.roles ?? []) {
    try {
      if (roleHasAccess(await store.getRole(name), key, write, recursive)) return true;
    } catch {
      // A granted role that no longer exists gives nothing.
    }
  }
  return false;
}

/** hasGuestAccess: the guest role's permissions, never recursive (as in etcd). */
async function hasGuestAccess(store: V2AuthStore, key: string, write: boolean): Promise<boolean> {
  try {
    return roleHasAccess(await store.getRole(GUEST_ROLE), key, write, false);
  } catch {
    return false;
  }
}
