// The v3 auth layer: users, roles, key-range permissions, tokens, request credentials.
export { AuthStore, ROOT_ROLE, ROOT_USER, type AuthStoreOptions } from './store.js';
export { AUTH_ERROR_MESSAGES, AuthError, authError, type AuthErrorCode } from './errors.js';
export { currentRequestAuth, requestAuth, withRequestAuth, type RequestAuth } from './context.js';
export { newTokenProvider, NopTokenProvider, type AssignContext, type AuthInfo, type TokenProvider, type TokenProviderOptions } from './token.js';
export { SimpleTokenProvider, SIMPLE_TOKEN_TTL_DEFAULT_S } from './token-simple.js';
export { JwtTokenProvider, JWT_DEFAULT_TTL_MS, type JwtKeys } from './token-jwt.js';
export { RangePermissions, type PermKind } from './range-perm.js';
export { BCRYPT_DEFAULT_COST, effectiveBcryptCost, hashPassword } from './password.js';
export { isAuthServer, type AuthServer } from './auth-server.js';
