// etcd's v2 auth: users, roles and permissions kept in the v2 store under /2, and the checks the
// /v2 HTTP handlers make with them.
export { hasKeyPrefixAccess, hasRootAccess, hasWriteRootAccess, parseBasicAuth } from './access.js';
export { AuthError } from './errors.js';
export { GUEST_ROLE, ROOT_ROLE, ROOT_USER } from './permissions.js';
export { STORE_PERMS_PREFIX, type V2AuthBackend, V2AuthStore } from './store.js';
export { parseRole, parseUser, permissionsEmpty, type Permissions, type Role, roleJson, type RWPermission, type User, userJson, JsonShapeError } from './types.js';
