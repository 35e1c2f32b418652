// Permission patterns and the grant/revoke merges of etcd's v2auth. A pattern ending in `*`
// matches every key with that prefix, any other pattern exactly one key; recursive requests
// (a recursive GET or DELETE) need a prefix pattern covering the whole subtree.
import { authErrors } from './errors.js';
import { EMPTY_PERMISSIONS, type Permissions, type Role, type RWPermission, type User } from './types.js';

export const ROOT_ROLE = 'root';
export const GUEST_ROLE = 'guest';
export const ROOT_USER = 'root';

const ALL_KEYS: RWPermission = { read: ['/*'], write: ['/*'] };
/** Built in, never stored: root may do anything. */
export const ROOT_ROLE_RECORD: Role = { role: ROOT_ROLE, permissions: { kv: ALL_KEYS }, grant: null, revoke: null };
/** Made by the first auth enable when there is no guest role: everyone keeps full access. */
export const DEFAULT_GUEST_ROLE: Role = { role: GUEST_ROLE, permissions: { kv: ALL_KEYS }, grant: null, revoke: null };

function simpleMatch(pattern: string, key: string): boolean {
  // An empty pattern would make Go's handler panic; it matches nothing here.
  if (pattern === '') return false;
  if (pattern.endsWith('*')) return key.startsWith(pattern.slice(0, -1));
  return key === pattern;
}

function prefixMatch(pattern: string, key: string): boolean {
  return pattern.endsWith('*') && key.startsWith(pattern.slice(0, -1));
}

/** Role.HasKeyAccess / HasRecursiveAccess. */
export function roleHasAccess(role: Role, key: string, write: boolean, recursive: boolean): boolean {
  if (role.role === ROOT_ROLE) return true;
  const list = (write ? role.permissions.kv.write : role.permissions.kv.read) ?? [];
  const match = recursive ? prefixMatch : simpleMatch;
  return list.some((p) => match(p, key));
}

/** Go's set Values() (never nil, `[]` when empty), sorted as etcd sorts before storing. */
function setValues(s: Set<string>): string[] {
  return [...s].sort();
}

function grantList(current: readonly string[] | null, add: readonly string[] | null, duplicate: (p: string) => Error): string[] {
  const s = new Set(current ?? []);
  for (const p of add ?? []) {
    if (s.has(p)) throw duplicate(p);
    s.add(p);
  }
  return setValues(s);
}

/** Revoking a permission that was never granted is ignored (etcd only logs it). */
function revokeList(current: readonly string[] | null, remove: readonly string[] | null): string[] {
  const s = new Set(current ?? []);
  for (const p of remove ?? []) s.delete(p);
  return setValues(s);
}

/** Role.merge: apply the request's grant, then its revoke, to the stored role. */
export function mergeRole(old: Role, req: Role): Role {
  let perms: Permissions = old.permissions;
  if (req.grant !== null) {
    perms = {
      kv: {
        read: grantList(perms.kv.read, req.grant.kv.read, authErrors.duplicateRead),
        write: grantList(perms.kv.write, req.grant.kv.write, authErrors.duplicateWrite),
      },
    };
  }
  if (req.revoke !== null) {
    perms = { kv: { read: revokeList(perms.kv.read, req.revoke.kv.read), write: revokeList(perms.kv.write, req.revoke.kv.write) } };
  }
  return { role: old.role, permissions: perms ?? EMPTY_PERMISSIONS, grant: null, revoke: null };
}

/** User.merge without the password (hashed by the store): grant then revoke roles. */
export function mergeUserRoles(old: User, req: User): string[] {
  const roles = new Set(old.roles ?? []);
  for (const g of req.grant ?? []) {
    if (roles.has(g)) throw authErrors.duplicateRole(g, req.user);
    roles.add(g);
  }
  for (const r of req.revoke ?? []) {
    if (!roles.has(r)) throw authErrors.ungrantedRole(r, req.user);
    roles.delete(r);
  }
  return setValues(roles);
}

/** attachRootRole: the root user always has the root role. */
export function withRootRole(u: User): User {
  if ((u.roles ?? []).includes(ROOT_ROLE)) return u;
  return { ...u, roles: [...(u.roles ?? []), ROOT_ROLE] };
}
