// etcd's v2auth.Error: an HTTP status and an "auth: …" message, answered as {"message": …}.
// Every message v2 auth can answer is built here, so handlers never compose error strings.

export class AuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`auth: ${message}`);
    this.name = 'AuthError';
  }
}

const BAD_REQUEST = 400;
const FORBIDDEN = 403;
const NOT_FOUND = 404;
const CONFLICT = 409;

export const authErrors = {
  emptyPassword: (u: string) => new AuthError(BAD_REQUEST, `Cannot create user ${u} with an empty password`),
  userExists: (u: string) => new AuthError(CONFLICT, `User ${u} already exists.`),
  deleteRootWhileEnabled: () => new AuthError(FORBIDDEN, 'Cannot delete root user while auth is enabled.'),
  /** DeleteUser's wording (no final dot). */
  userNotExistOnDelete: (u: string) => new AuthError(NOT_FOUND, `User ${u} does not exist`),
  /** getUser's wording. */
  userNotExist: (u: string) => new AuthError(NOT_FOUND, `User ${u} does not exist.`),
  /** UpdateUser's wording. */
  userDoesntExist: (u: string) => new AuthError(NOT_FOUND, `User ${u} doesn't exist.`),
  userNotUpdated: () => new AuthError(BAD_REQUEST, 'User not updated. Use grant/revoke/password to update the user.'),
  rootRole: (r: string) => new AuthError(FORBIDDEN, `Cannot modify role ${r}: is root role.`),
  roleExists: (r: string) => new AuthError(CONFLICT, `Role ${r} already exists.`),
  roleDoesntExist: (r: string) => new AuthError(NOT_FOUND, `Role ${r} doesn't exist.`),
  roleNotExist: (r: string) => new AuthError(NOT_FOUND, `Role ${r} does not exist.`),
  roleNotUpdated: () => new AuthError(BAD_REQUEST, 'Role not updated. Use grant/revoke to update the role.'),
  alreadyEnabled: () => new AuthError(CONFLICT, 'already enabled'),
  alreadyDisabled: () => new AuthError(CONFLICT, 'already disabled'),
  noRootUser: () => new AuthError(CONFLICT, 'No root user available, please create one'),
  duplicateRole: (r: string, u: string) => new AuthError(CONFLICT, `Granting duplicate role ${r} for user ${u}`),
  ungrantedRole: (r: string, u: string) => new AuthError(CONFLICT, `Revoking ungranted role ${r} for user ${u}`),
  duplicateRead: (p: string) => new AuthError(CONFLICT, `Granting duplicate read permission ${p}`),
  duplicateWrite: (p: string) => new AuthError(CONFLICT, `Granting duplicate write permission ${p}`),
};
