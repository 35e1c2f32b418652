// The credentials of the client request being served, carried by an AsyncLocalStorage so the
// member's methods (MemberServer) need no extra parameter: api/ runs each call's handler inside
// `requestAuth.run(...)` and the server's auth guard reads it with `currentRequestAuth()`.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestAuth {
  /** The `token` gRPC metadata (or the gateway's `Authorization` header), if any. */
  readonly token?: string;
  /**
   * The common name of the client certificate, set only when the TLS layer verified the chain
   * against --trusted-ca-file. Used as the user name when no token is given and
   * --client-cert-auth is on (etcd's AuthInfoFromTLS).
   */
  readonly commonName?: string;
  /**
   * The request came through the /v3 JSON gateway. etcd's gateway reaches the server with the
   * server's own client certificate, so a CN is never trusted for it.
   */
  readonly viaGateway?: boolean;
}

export const requestAuth = new AsyncLocalStorage<RequestAuth>();

/** The credentials of the request in progress, or undefined outside any request. */
export function currentRequestAuth(): RequestAuth | undefined {
  return requestAuth.getStore();
}

/** Runs `fn` as part of a request made with `auth`. */
export function withRequestAuth<T>(auth: RequestAuth, fn: () => T): T {
  return requestAuth.run(auth, fn);
}
