// etcdserverpb.Auth (v3rpc/auth.go): thin handlers over the member's AuthServer, and the
// request credentials of a gRPC call (the `token` metadata, as clientv3 sends it, or
// `authorization` as the gateway's swagger clients do; a verified client certificate's CN).
import type { Metadata } from '@grpc/grpc-js';
import { requestAuth, withRequestAuth, type AuthServer, type RequestAuth } from '../../auth/index.js';
import {
  AuthDisableRequest,
  AuthDisableResponse,
  AuthEnableRequest,
  AuthEnableResponse,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthRoleAddRequest,
  AuthRoleAddResponse,
  AuthRoleDeleteRequest,
  AuthRoleDeleteResponse,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleGrantPermissionResponse,
  AuthRoleListRequest,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthRoleRevokePermissionResponse,
  AuthService,
  AuthUserAddRequest,
  AuthUserAddResponse,
  AuthUserChangePasswordRequest,
  AuthUserChangePasswordResponse,
  AuthUserDeleteRequest,
  AuthUserDeleteResponse,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserGrantRoleResponse,
  AuthUserListRequest,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  AuthUserRevokeRoleResponse,
} from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { service, unary, type Service } from '../method.js';

/** etcd's rpctypes.TokenFieldNameGRPC and TokenFieldNameSwagger. */
const TOKEN_METADATA = ['token', 'authorization'] as const;

export function authService(server: AuthServer): Service {
  const A = AuthService;
  return service(A, [
    unary(A.authEnable.path, AuthEnableRequest, AuthEnableResponse, (req) => server.authEnable(req)),
    unary(A.authDisable.path, AuthDisableRequest, AuthDisableResponse, (req) => server.authDisable(req)),
    unary(A.authenticate.path, AuthenticateRequest, AuthenticateResponse, (req) => server.authenticate(req)),
    unary(A.userAdd.path, AuthUserAddRequest, AuthUserAddResponse, (req) => server.userAdd(req)),
    unary(A.userGet.path, AuthUserGetRequest, AuthUserGetResponse, (req) => server.userGet(req)),
    unary(A.userList.path, AuthUserListRequest, AuthUserListResponse, (req) => server.userList(req)),
    unary(A.userDelete.path, AuthUserDeleteRequest, AuthUserDeleteResponse, (req) => server.userDelete(req)),
    unary(A.userChangePassword.path, AuthUserChangePasswordRequest, AuthUserChangePasswordResponse, (req) => server.userChangePassword(req)),
    unary(A.userGrantRole.path, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse, (req) => server.userGrantRole(req)),
    unary(A.userRevokeRole.path, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse, (req) => server.userRevokeRole(req)),
    unary(A.roleAdd.path, AuthRoleAddRequest, AuthRoleAddResponse, (req) => server.roleAdd(req)),
    unary(A.roleGet.path, AuthRoleGetRequest, AuthRoleGetResponse, (req) => server.roleGet(req)),
    unary(A.roleList.path, AuthRoleListRequest, AuthRoleListResponse, (req) => server.roleList(req)),
    unary(A.roleDelete.path, AuthRoleDeleteRequest, AuthRoleDeleteResponse, (req) => server.roleDelete(req)),
    unary(A.roleGrantPermission.path, AuthRoleGrantPermissionRequest, AuthRoleGrantPermissionResponse, (req) => server.roleGrantPermission(req)),
    unary(A.roleRevokePermission.path, AuthRoleRevokePermissionRequest, AuthRoleRevokePermissionResponse, (req) => server.roleRevokePermission(req)),
  ]);
}

/** The part of grpc-js's AuthContext we read (a tls.PeerCertificate's subject). */
interface PeerAuth {
  sslPeerCertificate?: { subject?: { CN?: string | string[] } };
}

/** What a call's metadata and TLS session say about who is calling. */
export function grpcRequestAuth(call: { metadata: Metadata; getAuthContext?(): PeerAuth | null }): RequestAuth {
  let token: string | undefined;
  for (const name of TOKEN_METADATA) {
    const v = call.metadata.get(name)[0];
    if (v !== undefined) {
      token = v.toString();
      break;
    }
  }
  // grpc-js reports a peer certificate only when the TLS handshake verified it
  const cn = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
  const commonName = Array.isArray(cn) ? cn[0] : cn;
  return { ...(token !== undefined ? { token } : {}), ...(commonName ? { commonName } : {}) };
}

/**
 * Runs a request's handler with its credentials. A request without any (no token, no client
 * certificate CN) runs outside every auth context, which the guard reads exactly as empty
 * credentials: AsyncLocalStorage then stays disabled, and with it the promise hooks it installs
 * on every promise of the process (about 5% of a put's CPU when no client ever sends a token).
 */
export function runWithRequestAuth<T>(auth: RequestAuth, fn: () => T): T {
  if (auth.token === undefined && auth.commonName === undefined) return requestAuth.exit(fn);
  return withRequestAuth(auth, fn);
}

/**
 * The credentials of a /v3 gateway request: its `Authorization` header is the token (etcd's
 * gateway forwards it as `authorization` metadata). A client certificate never counts there.
 */
export function httpRequestAuth(headers: { authorization?: string | undefined }): RequestAuth {
  const token = headers.authorization;
  return { ...(token !== undefined && token !== '' ? { token } : {}), viaGateway: true };
}
