// etcd's v2 auth records (etcdserver/api/v2auth: User, Role, Permissions) and their JSON as Go's
// encoding/json writes and reads it. Go tells a nil slice (`null`) from an empty one (`[]`) and
// the records are stored in the v2 store as that JSON, so lists here are `string[] | null` and
// survive a round trip unchanged; field order and omitempty follow the Go struct tags.
import { goJsonString } from '../v2store/index.js';

export interface RWPermission {
  readonly read: readonly string[] | null;
  readonly write: readonly string[] | null;
}

export interface Permissions {
  readonly kv: RWPermission;
}

export interface User {
  readonly user: string;
  /** The bcrypt hash once stored; the clear password in a request; '' = none. */
  readonly password: string;
  readonly roles: readonly string[] | null;
  readonly grant: readonly string[] | null;
  readonly revoke: readonly string[] | null;
}

export interface Role {
  readonly role: string;
  readonly permissions: Permissions;
  readonly grant: Permissions | null;
  readonly revoke: Permissions | null;
}

export const EMPTY_PERMISSIONS: Permissions = { kv: { read: null, write: null } };

/** Thrown by the decoders where Go's json.Decoder fails (wrong type, not JSON). */
export class JsonShapeError extends Error {}

function listJson(l: readonly string[] | null): string {
  return l === null ? 'null' : `[${l.map(goJsonString).join(',')}]`;
}

function permissionsJson(p: Permissions): string {
  return `{"kv":{"read":${listJson(p.kv.read)},"write":${listJson(p.kv.write)}}}`;
}

/** json.Marshal(User): password, grant and revoke are omitempty. */
export function userJson(u: User): string {
  let s = `{"user":${goJsonString(u.user)}`;
  if (u.password !== '') s += `,"password":${goJsonString(u.password)}`;
  s += `,"roles":${listJson(u.roles)}`;
  if (u.grant !== null && u.grant.length > 0) s += `,"grant":${listJson(u.grant)}`;
  if (u.revoke !== null && u.revoke.length > 0) s += `,"revoke":${listJson(u.revoke)}`;
  return `${s}}`;
}

/** json.Marshal(Role): grant and revoke are omitempty pointers. */
export function roleJson(r: Role): string {
  let s = `{"role":${goJsonString(r.role)},"permissions":${permissionsJson(r.permissions)}`;
  if (r.grant !== null) s += `,"grant":${permissionsJson(r.grant)}`;
  if (r.revoke !== null) s += `,"revoke":${permissionsJson(r.revoke)}`;
  return `${s}}`;
}

/** Go matches JSON keys to fields exactly first, then case-insensitively. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : obj[key];
}

function asObject(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new JsonShapeError('not an object');
  return v as Record<string, unknown>;
}

function asString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new JsonShapeError('not a string');
  return v;
}

function asList(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new JsonShapeError('not a list of strings');
  return v as string[];
}

function asPermissions(v: unknown): Permissions | null {
  const o = asObject(v);
  if (o === null) return null;
  const kv = asObject(field(o, 'kv'));
  if (kv === null) return EMPTY_PERMISSIONS;
  return { kv: { read: asList(field(kv, 'read')), write: asList(field(kv, 'write')) } };
}

function parseObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new JsonShapeError('invalid JSON');
  }
  // A JSON null decodes into Go's zero value.
  return asObject(v) ?? {};
}

/** json.Unmarshal into a User. */
export function parseUser(text: string): User {
  const o = parseObject(text);
  return {
    user: asString(field(o, 'user')),
    password: asString(field(o, 'password')),
    roles: asList(field(o, 'roles')),
    grant: asList(field(o, 'grant')),
    revoke: asList(field(o, 'revoke')),
  };
}

/** json.Unmarshal into a Role. */
export function parseRole(text: string): Role {
  const o = parseObject(text);
  return {
    role: asString(field(o, 'role')),
    permissions: asPermissions(field(o, 'permissions')) ?? EMPTY_PERMISSIONS,
    grant: asPermissions(field(o, 'grant')),
    revoke: asPermissions(field(o, 'revoke')),
  };
}

/** Permissions.IsEmpty: nil or no read and no write patterns. */
export function permissionsEmpty(p: Permissions | null): boolean {
  return p === null || ((p.kv.read?.length ?? 0) === 0 && (p.kv.write?.length ?? 0) === 0);
}
