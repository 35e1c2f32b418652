// /v2/auth (etcd: v2http/client_auth.go): auth enable/disable, users and roles, root only when
// auth is on. One V2AuthStore per member, made on first use: it remembers, as etcd's does,
// that the /2 directories were made.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthError,
  hasRootAccess,
  hasWriteRootAccess,
  parseRole,
  parseUser,
  permissionsEmpty,
  type Role,
  roleJson,
  type User,
  userJson,
  V2AuthStore,
} from '../../v2auth/index.js';
import { goJsonString, V2Error } from '../../v2store/index.js';
import { allowMethod, idString, readBody, writeHttpError, writeNotFound, writeV2Error } from './http-util.js';
import type { V2Member } from './types.js';

export const AUTH_PREFIX = '/v2/auth';
const INSUFFICIENT_CREDENTIALS = 'Insufficient credentials';

const stores = new WeakMap<V2Member, V2AuthStore>();

/** The member's v2 auth store (also used by /v2/keys and /v2/members for their checks). */
export function authStoreFor(member: V2Member): V2AuthStore {
  let s = stores.get(member);
  if (s === undefined) {
    s = new V2AuthStore(member);
    stores.set(member, s);
  }
  return s;
}

/** etcd's writeNoAuth: 401 {"message":"Insufficient credentials"}. */
export function writeNoAuth(res: ServerResponse): void {
  writeHttpError(res, 401, INSUFFICIENT_CREDENTIALS);
}

/** Serve a (clean) path under /v2/auth as Go's mux routes etcd's five auth patterns. */
export async function serveAuth(req: IncomingMessage, res: ServerResponse, member: V2Member, path: string): Promise<void> {
  const sub = path.slice(AUTH_PREFIX.length);
  const store = authStoreFor(member);
  try {
    if (sub === '/enable') return await enableDisable(req, res, member, store);
    if (sub === '/roles' || sub === '/users') return await collection(req, res, member, store, sub);
    if (sub.startsWith('/roles/') || sub.startsWith('/users/')) {
      // Go's path.Clean drops a trailing slash: "/roles/" is the collection, "/roles/a/" is "a".
      const pieces = sub.replace(/\/$/, '').split('/');
      if (pieces.length === 2) return await collection(req, res, member, store, sub.slice(0, 6));
      if (pieces.length !== 3) return writeHttpError(res, 400, 'Invalid path');
      if (pieces[1] === 'roles') return await forRole(req, res, member, store, pieces[2]!);
      return await forUser(req, res, member, store, pieces[2]!);
    }
    writeNotFound(res);
  } catch (err) {
    writeAuthError(res, err);
  }
}

function setHeaders(res: ServerResponse, member: V2Member): void {
  res.setHeader('X-Etcd-Cluster-ID', idString(member.clusterId));
  res.setHeader('Content-Type', 'application/json');
}

/** Go's json.Encoder.Encode: the JSON and a newline. */
function writeJson(res: ServerResponse, status: number, json: string): void {
  res.statusCode = status;
  res.end(`${json}\n`);
}

async function collection(req: IncomingMessage, res: ServerResponse, member: V2Member, store: V2AuthStore, sub: string): Promise<void> {
  if (!allowMethod(req, res, 'GET')) return;
  if (!(await hasRootAccess(store, req))) return writeNoAuth(res);
  setHeaders(res, member);
  if (sub === '/roles') {
    const roles: string[] = [];
    for (const name of await store.allRoles()) roles.push(roleJson(await store.getRole(name)));
    return writeJson(res, 200, `{"roles":[${roles.join(',')}]}`);
  }
  const users: string[] = [];
  for (const name of await store.allUsers()) {
    const u = await store.getUser(name);
    const roles: Role[] = [];
    for (const r of u.roles ?? []) {
      // The listing skips granted roles that no longer exist.
      await store.getRole(r).then((role) => roles.push(role), () => undefined);
    }
    users.push(userWithRolesJson(u.user, roles));
  }
  writeJson(res, 200, `{"users":${users.length === 0 ? 'null' : `[${users.join(',')}]`}}`);
}

/** userWithRoles: roles is omitempty. */
function userWithRolesJson(user: string, roles: readonly Role[]): string {
  const r = roles.length === 0 ? '' : `,"roles":[${roles.map(roleJson).join(',')}]`;
  return `{"user":${goJsonString(user)}${r}}`;
}

async function forRole(req: IncomingMessage, res: ServerResponse, member: V2Member, store: V2AuthStore, name: string): Promise<void> {
  if (!allowMethod(req, res, 'GET', 'PUT', 'DELETE')) return;
  if (!(await hasRootAccess(store, req))) return writeNoAuth(res);
  setHeaders(res, member);
  if (req.method === 'GET') return writeJson(res, 200, roleJson(await store.getRole(name)));
  if (req.method === 'DELETE') {
    await store.deleteRole(name);
    res.end();
    return;
  }
  const input = await decodeBody(req, parseRole);
  if (input === null) return writeHttpError(res, 400, 'Invalid JSON in request body.');
  if (input.role !== name) return writeHttpError(res, 400, 'Role JSON name does not match the name in the URL');
  if (permissionsEmpty(input.grant) && permissionsEmpty(input.revoke)) {
    await store.createRole(input);
    return writeJson(res, 201, roleJson(input));
  }
  if (!permissionsEmpty(input.permissions)) return writeHttpError(res, 400, 'Role JSON contains both permissions and grant/revoke');
  writeJson(res, 200, roleJson(await store.updateRole(input)));
}

async function forUser(req: IncomingMessage, res: ServerResponse, member: V2Member, store: V2AuthStore, name: string): Promise<void> {
  if (!allowMethod(req, res, 'GET', 'PUT', 'DELETE')) return;
  if (!(await hasRootAccess(store, req))) return writeNoAuth(res);
  setHeaders(res, member);
  if (req.method === 'GET') {
    const u = await store.getUser(name);
    const roles: Role[] = [];
    for (const r of u.roles ?? []) roles.push(await store.getRole(r));
    return writeJson(res, 200, userWithRolesJson(u.user, roles));
  }
  if (req.method === 'DELETE') {
    await store.deleteUser(name);
    res.end();
    return;
  }
  const input = await decodeBody(req, parseUser);
  if (input === null) return writeHttpError(res, 400, 'Invalid JSON in request body.');
  if (input.user !== name) return writeHttpError(res, 400, 'User JSON name does not match the name in the URL');
  let out: User;
  let created = false;
  if ((input.grant?.length ?? 0) === 0 && (input.revoke?.length ?? 0) === 0) {
    if ((input.roles?.length ?? 0) !== 0) {
      out = await store.createUser(input);
    } else {
      ({ user: out, created } = await store.createOrUpdateUser(input));
    }
  } else {
    if ((input.roles?.length ?? 0) !== 0) return writeHttpError(res, 400, 'User JSON contains both roles and grant/revoke');
    out = await store.updateUser(input);
  }
  // The stored hash never leaves the server.
  writeJson(res, created ? 201 : 200, userJson({ ...out, password: '' }));
}

async function enableDisable(req: IncomingMessage, res: ServerResponse, member: V2Member, store: V2AuthStore): Promise<void> {
  if (!allowMethod(req, res, 'GET', 'PUT', 'DELETE')) return;
  if (!(await hasWriteRootAccess(store, req))) return writeNoAuth(res);
  setHeaders(res, member);
  if (req.method === 'GET') return writeJson(res, 200, `{"enabled":${store.authEnabled()}}`);
  if (req.method === 'PUT') await store.enableAuth();
  else await store.disableAuth();
  res.end();
}

/** The body decoded as Go's json.Decoder would, or null where it fails. */
async function decodeBody<T>(req: IncomingMessage, parse: (text: string) => T): Promise<T | null> {
  const { body } = await readBody(req);
  try {
    return parse(body.toString('utf8'));
  } catch {
    return null;
  }
}

/** etcd's writeError for the auth handlers. */
function writeAuthError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof AuthError) return writeHttpError(res, err.status, err.message);
  if (err instanceof V2Error) return writeV2Error(res, err);
  writeHttpError(res, 500, 'Internal Server Error');
}
