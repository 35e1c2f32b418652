// etcd's v2auth store: users, roles and the enabled flag kept as JSON in the v2 store under
// /2 (/2/users/<name>, /2/roles/<name>, /2/enabled). Writes go through raft like any v2 write,
// so every member applies them; plain reads come from the member's own store and the reads
// that precede a change are quorum reads (QGET), as in etcd.
import type { Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';
import { checkPasswordHash, hashPassword, BCRYPT_DEFAULT_COST } from '../auth/password.js';
import { EcodeKeyNotFound, EcodeNodeExist, V2Error, type V2Event, type V2Store } from '../v2store/index.js';
import { AuthError, authErrors } from './errors.js';
import {
  DEFAULT_GUEST_ROLE,
  GUEST_ROLE,
  mergeRole,
  mergeUserRoles,
  ROOT_ROLE,
  ROOT_ROLE_RECORD,
  ROOT_USER,
  withRootRole,
} from './permissions.js';
import { parseRole, parseUser, type Role, roleJson, type User, userJson } from './types.js';

export const STORE_PERMS_PREFIX = '/2';
const USERS_DIR = `${STORE_PERMS_PREFIX}/users`;
const ROLES_DIR = `${STORE_PERMS_PREFIX}/roles`;
const ENABLED_KEY = `${STORE_PERMS_PREFIX}/enabled`;

/** What the auth store needs of a member: its raft proposals and its local v2 store. */
export interface V2AuthBackend {
  v2Propose(req: Request): Promise<V2Event | V2Error>;
  readonly v2Store: V2Store;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof V2Error && err.errorCode === code;
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** reflect.DeepEqual as etcd uses it to refuse no-op updates (nil and empty lists differ). */
function sameRole(a: Role, b: Role): boolean {
  return (
    a.role === b.role &&
    sameList(a.permissions.kv.read, b.permissions.kv.read) &&
    sameList(a.permissions.kv.write, b.permissions.kv.write) &&
    a.grant === null &&
    b.grant === null &&
    a.revoke === null &&
    b.revoke === null
  );
}

function sameUser(a: User, b: User): boolean {
  return a.user === b.user && a.password === b.password && sameList(a.roles, b.roles) && sameList(a.grant, b.grant) && sameList(a.revoke, b.revoke);
}

export class V2AuthStore {
  /** etcd makes the /2 directories once per process, before its first write. */
  private ensured = false;

  constructor(private readonly backend: V2AuthBackend) {}

  /** AuthEnabled: /2/enabled holds JSON true. */
  authEnabled(): boolean {
    try {
      return this.backend.v2Store.get(ENABLED_KEY, false, false).node.value === 'true';
    } catch {
      return false;
    }
  }

  async allUsers(): Promise<string[]> {
    return (await this.listDir(USERS_DIR, false)) ?? [];
  }

  getUser(name: string): Promise<User> {
    return this.readUser(name, false);
  }

  /** CreateUser: the root user gets the root role; the password is stored bcrypt-hashed. */
  async createUser(input: User): Promise<User> {
    const user = input.user === ROOT_USER ? withRootRole(input) : input;
    if (user.password === '') throw authErrors.emptyPassword(user.user);
    const hashed: User = { ...user, password: hashPassword(user.password, BCRYPT_DEFAULT_COST).toString() };
    try {
      await this.setResource(`${USERS_DIR}/${user.user}`, userJson(hashed), false);
    } catch (err) {
      if (isCode(err, EcodeNodeExist)) throw authErrors.userExists(user.user);
      throw err;
    }
    return hashed;
  }

  /** CreateOrUpdateUser: update when the user exists (quorum read), create otherwise. */
  async createOrUpdateUser(input: User): Promise<{ user: User; created: boolean }> {
    const exists = await this.readUser(input.user, true).then(
      () => true,
      () => false,
    );
    if (exists) return { user: await this.updateUser(input), created: false };
    return { user: await this.createUser(input), created: true };
  }

  async updateUser(input: User): Promise<User> {
    let old: User;
    try {
      old = await this.readUser(input.user, true);
    } catch (err) {
      if (err instanceof AuthError && err.status === 404) throw authErrors.userDoesntExist(input.user);
      throw err;
    }
    const roles = mergeUserRoles(old, input);
    const password = input.password !== '' ? hashPassword(input.password, BCRYPT_DEFAULT_COST).toString() : old.password;
    const updated: User = { user: old.user, password, roles, grant: null, revoke: null };
    if (sameUser(old, updated)) throw authErrors.userNotUpdated();
    await this.setResource(`${USERS_DIR}/${input.user}`, userJson(updated), true);
    return updated;
  }

  async deleteUser(name: string): Promise<void> {
    if (this.authEnabled() && name === ROOT_USER) throw authErrors.deleteRootWhileEnabled();
    try {
      await this.deleteResource(`${USERS_DIR}/${name}`);
    } catch (err) {
      if (isCode(err, EcodeKeyNotFound)) throw authErrors.userNotExistOnDelete(name);
      throw err;
    }
  }

  /** AllRoles: the built-in root role and the stored ones, sorted. */
  async allRoles(): Promise<string[]> {
    const stored = await this.listDir(ROLES_DIR, false);
    if (stored === null) return [ROOT_ROLE];
    return [ROOT_ROLE, ...stored].sort();
  }

  getRole(name: string): Promise<Role> {
    return this.readRole(name, false);
  }

  async createRole(role: Role): Promise<void> {
    if (role.role === ROOT_ROLE) throw authErrors.rootRole(role.role);
    try {
      await this.setResource(`${ROLES_DIR}/${role.role}`, roleJson(role), false);
    } catch (err) {
      if (isCode(err, EcodeNodeExist)) throw authErrors.roleExists(role.role);
      throw err;
    }
  }

  async deleteRole(name: string): Promise<void> {
    if (name === ROOT_ROLE) throw authErrors.rootRole(name);
    try {
      await this.deleteResource(`${ROLES_DIR}/${name}`);
    } catch (err) {
      if (isCode(err, EcodeKeyNotFound)) throw authErrors.roleDoesntExist(name);
      throw err;
    }
  }

  async updateRole(input: Role): Promise<Role> {
    if (input.role === ROOT_ROLE) throw authErrors.rootRole(input.role);
    let old: Role;
    try {
      old = await this.readRole(input.role, true);
    } catch (err) {
      if (err instanceof AuthError && err.status === 404) throw authErrors.roleDoesntExist(input.role);
      throw err;
    }
    const updated = mergeRole(old, input);
    if (sameRole(old, updated)) throw authErrors.roleNotUpdated();
    await this.setResource(`${ROLES_DIR}/${input.role}`, roleJson(updated), true);
    return updated;
  }

  /** EnableAuth: needs a root user; makes the default (all-access) guest role when missing. */
  async enableAuth(): Promise<void> {
    if (this.authEnabled()) throw authErrors.alreadyEnabled();
    try {
      await this.readUser(ROOT_USER, true);
    } catch {
      throw authErrors.noRootUser();
    }
    const hasGuest = await this.readRole(GUEST_ROLE, true).then(
      () => true,
      () => false,
    );
    if (!hasGuest) await this.createRole(DEFAULT_GUEST_ROLE);
    await this.setResource(ENABLED_KEY, 'true', true);
  }

  async disableAuth(): Promise<void> {
    if (!this.authEnabled()) throw authErrors.alreadyDisabled();
    await this.setResource(ENABLED_KEY, 'false', true);
  }

  /** CheckPassword: bcrypt's own comparison (constant time over the hash). */
  checkPassword(user: User, password: string): Promise<boolean> {
    return checkPasswordHash(password, Buffer.from(user.password));
  }

  private async readUser(name: string, quorum: boolean): Promise<User> {
    let value: string;
    try {
      value = (await this.request(`${USERS_DIR}/${name}`, quorum)).node.value ?? '';
    } catch (err) {
      if (isCode(err, EcodeKeyNotFound)) throw authErrors.userNotExist(name);
      throw err;
    }
    const u = parseUser(value);
    return u.user === ROOT_USER ? withRootRole(u) : u;
  }

  private async readRole(name: string, quorum: boolean): Promise<Role> {
    if (name === ROOT_ROLE) return ROOT_ROLE_RECORD;
    let value: string;
    try {
      value = (await this.request(`${ROLES_DIR}/${name}`, quorum)).node.value ?? '';
    } catch (err) {
      if (isCode(err, EcodeKeyNotFound)) throw authErrors.roleNotExist(name);
      throw err;
    }
    return parseRole(value);
  }

  /** The names under a directory (sorted), or null when the directory does not exist. */
  private async listDir(dir: string, quorum: boolean): Promise<string[] | null> {
    try {
      const ev = await this.request(dir, quorum);
      return (ev.node.nodes ?? []).map((n) => baseName(n.key)).sort();
    } catch (err) {
      if (isCode(err, EcodeKeyNotFound)) return null;
      throw err;
    }
  }

  /** etcd's requestResource: GET from the local store, or QGET through raft. */
  private async request(path: string, quorum: boolean): Promise<V2Event> {
    if (!quorum) return this.backend.v2Store.get(path, false, false);
    return this.propose({ Method: 'QGET', Path: path, Dir: false });
  }

  private async propose(req: Request): Promise<V2Event> {
    const result = await this.backend.v2Propose(req);
    if (result instanceof V2Error) throw result;
    return result;
  }

  private async setResource(path: string, value: string, prevExist: boolean): Promise<void> {
    await this.ensureDirectories();
    await this.propose({ Method: 'PUT', Path: path, Val: value, PrevExist: prevExist });
  }

  private async deleteResource(path: string): Promise<void> {
    await this.ensureDirectories();
    await this.propose({ Method: 'DELETE', Path: path, PrevExist: true });
  }

  /** ensureAuthDirectories: /2, /2/users, /2/roles and /2/enabled=false, each if missing. */
  private async ensureDirectories(): Promise<void> {
    if (this.ensured) return;
    for (const dir of [STORE_PERMS_PREFIX, USERS_DIR, ROLES_DIR]) {
      await this.createIfMissing({ Method: 'PUT', Path: dir, Dir: true, PrevExist: false });
    }
    await this.createIfMissing({ Method: 'PUT', Path: ENABLED_KEY, Val: 'false', PrevExist: false });
    this.ensured = true;
  }

  private async createIfMissing(req: Request): Promise<void> {
    try {
      await this.propose(req);
    } catch (err) {
      if (!isCode(err, EcodeNodeExist)) throw err;
    }
  }
}
