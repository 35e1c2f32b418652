// The errors of the auth store, with the exact text clients see. etcd's auth package has its own
// `auth: ...` errors that v3rpc translates to rpctypes' `etcdserver: ...` ones; tetcd's errors are
// matched by message in api/ (rpc-errors.ts), so the auth store throws the client-facing text
// directly. The few etcd errors that v3rpc does not translate keep their `auth:` text and reach
// clients with code Unknown, as they do from etcd.

export const AUTH_ERROR_MESSAGES = {
  RootUserNotExist: 'etcdserver: root user does not exist',
  RootRoleNotExist: 'etcdserver: root user does not have root role',
  UserAlreadyExist: 'etcdserver: user name already exists',
  UserEmpty: 'etcdserver: user name is empty',
  UserNotFound: 'etcdserver: user name not found',
  RoleAlreadyExist: 'etcdserver: role name already exists',
  RoleNotFound: 'etcdserver: role name not found',
  RoleEmpty: 'etcdserver: role name is empty',
  AuthFailed: 'etcdserver: authentication failed, invalid user ID or password',
  PermissionDenied: 'etcdserver: permission denied',
  RoleNotGranted: 'etcdserver: role is not granted to the user',
  PermissionNotGranted: 'etcdserver: permission is not granted to the role',
  AuthNotEnabled: 'etcdserver: authentication is not enabled',
  InvalidAuthToken: 'etcdserver: invalid auth token',
  InvalidAuthMgmt: 'etcdserver: invalid auth management',
  AuthOldRevision: 'etcdserver: revision of auth store is old',
  // not translated by etcd's v3rpc: code Unknown with etcd's own text
  NoPasswordUser: 'auth: authentication failed, password was given for no password user',
  // configuration errors (--auth-token), reported at startup
  InvalidAuthOpts: 'auth: invalid auth options',
  InvalidAuthMethod: 'auth: invalid auth signature method',
  MissingKey: 'auth: missing key data',
  KeyMismatch: 'auth: public and private keys don\'t match',
  VerifyOnly: 'auth: token signing attempted with verify-only key',
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_MESSAGES;

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode) {
    super(AUTH_ERROR_MESSAGES[code]);
    this.name = 'AuthError';
  }
}

export function authError(code: AuthErrorCode): AuthError {
  return new AuthError(code);
}
