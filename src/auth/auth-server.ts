// The member's auth RPCs as the API layer calls them (etcd's etcdserver.Authenticator). The
// member (server/EtcdServer) implements it by proposing each request through raft, except
// Authenticate, which checks the password first (server/auth-guard.ts `authenticate`).
// Every method resolves with etcd's response, header filled, and rejects with etcd's error
// texts (src/auth/errors.ts), which api/ maps to gRPC codes by message. The caller's
// credentials are the request-auth context of the call (src/auth/context.ts).
import type {
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
} from '../proto/etcdserver/etcdserverpb/rpc.js';

export interface AuthServer {
  /** Proposes { auth_enable }; refused without a root user that has the root role. */
  authEnable(req: AuthEnableRequest): Promise<AuthEnableResponse>;
  /** Proposes { auth_disable }; root only while enabled. */
  authDisable(req: AuthDisableRequest): Promise<AuthDisableResponse>;
  /** Checks the password (bcrypt) locally, then proposes { authenticate } to record the token. */
  authenticate(req: AuthenticateRequest): Promise<AuthenticateResponse>;
  userAdd(req: AuthUserAddRequest): Promise<AuthUserAddResponse>;
  /** Root, or the user asking about themselves. */
  userGet(req: AuthUserGetRequest): Promise<AuthUserGetResponse>;
  userList(req: AuthUserListRequest): Promise<AuthUserListResponse>;
  userDelete(req: AuthUserDeleteRequest): Promise<AuthUserDeleteResponse>;
  userChangePassword(req: AuthUserChangePasswordRequest): Promise<AuthUserChangePasswordResponse>;
  userGrantRole(req: AuthUserGrantRoleRequest): Promise<AuthUserGrantRoleResponse>;
  userRevokeRole(req: AuthUserRevokeRoleRequest): Promise<AuthUserRevokeRoleResponse>;
  roleAdd(req: AuthRoleAddRequest): Promise<AuthRoleAddResponse>;
  /** Root, or a user who has the role. */
  roleGet(req: AuthRoleGetRequest): Promise<AuthRoleGetResponse>;
  roleList(req: AuthRoleListRequest): Promise<AuthRoleListResponse>;
  roleDelete(req: AuthRoleDeleteRequest): Promise<AuthRoleDeleteResponse>;
  roleGrantPermission(req: AuthRoleGrantPermissionRequest): Promise<AuthRoleGrantPermissionResponse>;
  roleRevokePermission(req: AuthRoleRevokePermissionRequest): Promise<AuthRoleRevokePermissionResponse>;
}

/** Whether a member implements the auth RPCs (the gRPC Auth service is served only then). */
export function isAuthServer(server: object): server is AuthServer {
  return typeof (server as Partial<AuthServer>).authEnable === 'function' && typeof (server as Partial<AuthServer>).authenticate === 'function';
}
