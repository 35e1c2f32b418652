// The v3 auth store (etcd's auth/store.go) over the backend's auth buckets: users, roles,
// key-range permissions, the enabled flag and the auth revision, which every change bumps so
// that credentials issued before it (JWTs, requests in flight) are recognised as stale.
//
// The mutating methods run in apply, on every member, in log order, inside the apply batch's
// backend transaction (Backend.write nests): they read no clock and make every check before
// their first write. The permission checks and checkPassword run on the serving member.
import type { Backend, BatchTx } from '../backend/index.js';
import type { Permission, User } from '../proto/auth/authpb/auth.js';
import { Permission_Type } from '../proto/auth/authpb/auth.js';
import type {
  AuthRoleGrantPermissionRequest,
  AuthRoleRevokePermissionRequest,
  AuthUserAddRequest,
  AuthUserChangePasswordRequest,
} from '../proto/etcdserver/etcdserverpb/rpc.js';
import { authError } from './errors.js';
import { checkPasswordHash, effectiveBcryptCost, hashPassword } from './password.js';
import { RangePermissions, type PermKind } from './range-perm.js';
import * as schema from './schema.js';
import type { AssignContext, AuthInfo, TokenProvider } from './token.js';

export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';

export interface AuthStoreOptions {
  tokenProvider: TokenProvider;
  /** --bcrypt-cost; out-of-range values fall back to 10 as in etcd. */
  bcryptCost?: number;
}

export class AuthStore {
  private enabled: boolean;
  private rev: number;
  /** user name -> merged permissions; dropped on every change, rebuilt per user on demand */
  private permCache = new Map<string, RangePermissions>();
  readonly bcryptCost: number;
  readonly tokens: TokenProvider;

  /** Opens the store over `backend`, writing auth revision 1 if the backend has none (as etcd). */
  constructor(
    private readonly be: Backend,
    opts: AuthStoreOptions,
  ) {
    this.tokens = opts.tokenProvider;
    this.bcryptCost = effectiveBcryptCost(opts.bcryptCost ?? 10);
    this.enabled = schema.readEnabled(be);
    this.rev = schema.readRevision(be);
    if (this.rev === 0) this.be.write((tx) => this.commitRevision(tx));
    if (this.enabled) this.tokens.enable();
  }

  /** Re-reads everything from the backend (after a snapshot was installed or restored). */
  recover(): void {
    this.enabled = schema.readEnabled(this.be);
    this.rev = schema.readRevision(this.be);
    this.permCache.clear();
    if (this.enabled) this.tokens.enable();
    else this.tokens.disable();
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  revision(): number {
    return this.rev;
  }

  close(): void {
    this.tokens.disable();
  }

  // ---- apply: enable/disable, authenticate ----

  enable(): void {
    if (this.enabled) return;
    const root = schema.getUser(this.be, ROOT_USER);
    if (root === undefined) throw authError('RootUserNotExist');
    if (!hasRootRole(root)) throw authError('RootRoleNotExist');
    this.be.write((tx) => schema.writeEnabled(tx, true));
    this.enabled = true;
    this.tokens.enable();
    this.permCache.clear();
  }

  disable(): void {
    if (!this.enabled) return;
    this.be.write((tx) => {
      schema.writeEnabled(tx, false);
      this.commitRevision(tx);
    });
    this.enabled = false;
    this.tokens.disable();
  }

  /** Records a token for a user whose password the proposing member already checked. */
  authenticate(name: string, ctx: AssignContext): { token: string } {
    if (!this.enabled) throw authError('AuthNotEnabled');
    const user = schema.getUser(this.be, name);
    if (user === undefined || user.options?.no_password) throw authError('AuthFailed');
    return { token: this.tokens.assign(name, this.rev, ctx) };
  }

  // ---- apply: users ----

  userAdd(r: AuthUserAddRequest): void {
    if (r.name.length === 0) throw authError('UserEmpty');
    if (schema.getUser(this.be, r.name) !== undefined) throw authError('UserAlreadyExist');
    const options = r.options ?? { no_password: false };
    const password = options.no_password ? Buffer.alloc(0) : hashPassword(r.password, this.bcryptCost);
    this.change((tx) => schema.putUser(tx, { name: Buffer.from(r.name), password, roles: [], options }));
  }

  userDelete(name: string): void {
    if (this.enabled && name === ROOT_USER) throw authError('InvalidAuthMgmt');
    if (schema.getUser(this.be, name) === undefined) throw authError('UserNotFound');
    this.change((tx) => schema.deleteUser(tx, name));
    this.tokens.invalidateUser(name);
  }

  userChangePassword(r: AuthUserChangePasswordRequest): void {
    const user = schema.getUser(this.be, r.name);
    if (user === undefined) throw authError('UserNotFound');
    const password = hashPassword(r.password, this.bcryptCost);
    this.change((tx) => schema.putUser(tx, { ...user, password }));
    this.tokens.invalidateUser(r.name);
  }

  userGrantRole(userName: string, role: string): void {
    const user = schema.getUser(this.be, userName);
    if (user === undefined) throw authError('UserNotFound');
    // the root role may be granted before it exists (etcdctl makes root this way)
    if (role !== ROOT_ROLE && schema.getRole(this.be, role) === undefined) throw authError('RoleNotFound');
    if (user.roles.includes(role)) return;
    const roles = [...user.roles, role].sort(compareStrings);
    this.change((tx) => schema.putUser(tx, { ...user, roles }));
  }

  userRevokeRole(userName: string, role: string): void {
    if (this.enabled && userName === ROOT_USER && role === ROOT_ROLE) throw authError('InvalidAuthMgmt');
    const user = schema.getUser(this.be, userName);
    if (user === undefined) throw authError('UserNotFound');
    const roles = user.roles.filter((r) => r !== role);
    if (roles.length === user.roles.length) throw authError('RoleNotGranted');
    this.change((tx) => schema.putUser(tx, { ...user, roles }));
  }

  userGet(name: string): { roles: string[] } {
    const user = schema.getUser(this.be, name);
    if (user === undefined) throw authError('UserNotFound');
    return { roles: [...user.roles] };
  }

  userList(): { users: string[] } {
    return { users: schema.allUsers(this.be).map((u) => u.name.toString()) };
  }

  // ---- apply: roles ----

  roleAdd(name: string): void {
    if (name.length === 0) throw authError('RoleEmpty');
    if (schema.getRole(this.be, name) !== undefined) throw authError('RoleAlreadyExist');
    this.change((tx) => schema.putRole(tx, { name: Buffer.from(name), keyPermission: [] }));
  }

  roleDelete(name: string): void {
    if (this.enabled && name === ROOT_ROLE) throw authError('InvalidAuthMgmt');
    if (schema.getRole(this.be, name) === undefined) throw authError('RoleNotFound');
    this.change((tx) => {
      schema.deleteRole(tx, name);
      for (const user of schema.allUsers(tx)) {
        const roles = user.roles.filter((r) => r !== name);
        if (roles.length !== user.roles.length) schema.putUser(tx, { ...user, roles });
      }
    });
  }

  roleGet(name: string): { perm: Permission[] } {
    const role = schema.getRole(this.be, name);
    if (role === undefined) throw authError('RoleNotFound');
    return { perm: role.keyPermission };
  }

  roleList(): { roles: string[] } {
    return { roles: schema.allRoles(this.be).map((r) => r.name.toString()) };
  }

  roleGrantPermission(r: AuthRoleGrantPermissionRequest): void {
    const role = schema.getRole(this.be, r.name);
    if (role === undefined) throw authError('RoleNotFound');
    const want: Permission = {
      permType: r.perm?.permType ?? Permission_Type.READ,
      key: Buffer.from(r.perm?.key ?? Buffer.alloc(0)),
      range_end: Buffer.from(r.perm?.range_end ?? Buffer.alloc(0)),
    };
    const perms = role.keyPermission.map((p) => ({ ...p }));
    // etcd looks only at the FIRST permission with this key: an equal one further on is not
    // found and a duplicate is appended. Kept, so both stores hold the same roles.
    const idx = perms.findIndex((p) => Buffer.compare(p.key, want.key) >= 0);
    const found = idx >= 0 ? perms[idx] : undefined;
    if (found && found.key.equals(want.key) && found.range_end.equals(want.range_end)) {
      found.permType = want.permType;
    } else {
      perms.push(want);
      perms.sort((a, b) => Buffer.compare(a.key, b.key)); // stable, as Go's sort of short slices
    }
    this.change((tx) => schema.putRole(tx, { name: role.name, keyPermission: perms }));
  }

  roleRevokePermission(r: AuthRoleRevokePermissionRequest): void {
    const role = schema.getRole(this.be, r.role);
    if (role === undefined) throw authError('RoleNotFound');
    const perms = role.keyPermission.filter((p) => !p.key.equals(r.key) || !p.range_end.equals(r.range_end));
    if (perms.length === role.keyPermission.length) throw authError('PermissionNotGranted');
    this.change((tx) => schema.putRole(tx, { name: role.name, keyPermission: perms }));
  }

  // ---- checks (serving member) ----

  /**
   * etcd's CheckPassword, done BEFORE proposing an Authenticate so that neither the password
   * nor the bcrypt work goes through the log. Returns the auth revision it checked against.
   */
  async checkPassword(name: string, password: string): Promise<number> {
    if (!this.enabled) throw authError('AuthNotEnabled');
    const user = schema.getUser(this.be, name);
    if (user === undefined) throw authError('AuthFailed');
    if (user.options?.no_password) throw authError('NoPasswordUser');
    const rev = this.rev;
    if (!(await checkPasswordHash(password, user.password))) throw authError('AuthFailed');
    return rev;
  }

  /** The user a token stands for, or undefined when the token is not (or no longer) valid. */
  authInfoFromToken(token: string): Promise<AuthInfo | undefined> {
    return this.tokens.info(token, this.rev);
  }

  genTokenPrefix(): string {
    return this.tokens.genTokenPrefix();
  }

  isRangePermitted(ai: AuthInfo | undefined, key: Buffer, rangeEnd: Buffer): void {
    this.isOpPermitted(ai, key, rangeEnd, 'read');
  }

  isPutPermitted(ai: AuthInfo | undefined, key: Buffer): void {
    this.isOpPermitted(ai, key, Buffer.alloc(0), 'write');
  }

  isDeleteRangePermitted(ai: AuthInfo | undefined, key: Buffer, rangeEnd: Buffer): void {
    this.isOpPermitted(ai, key, rangeEnd, 'write');
  }

  /** Root-only operations: auth management, maintenance, membership. */
  isAdminPermitted(ai: AuthInfo | undefined): void {
    if (!this.enabled) return;
    if (ai === undefined || ai.username === '') throw authError('UserEmpty');
    const user = schema.getUser(this.be, ai.username);
    if (user === undefined) throw authError('UserNotFound');
    if (!hasRootRole(user)) throw authError('PermissionDenied');
  }

  hasRole(userName: string, role: string): boolean {
    return schema.getUser(this.be, userName)?.roles.includes(role) ?? false;
  }

  private isOpPermitted(ai: AuthInfo | undefined, key: Buffer, rangeEnd: Buffer, kind: PermKind): void {
    if (!this.enabled) return;
    // revision 0 only comes with no credentials at all
    if (ai === undefined || ai.revision === 0) throw authError('UserEmpty');
    if (ai.revision < this.rev) throw authError('AuthOldRevision');
    const user = schema.getUser(this.be, ai.username);
    if (user === undefined) throw authError('PermissionDenied');
    if (hasRootRole(user)) return;
    if (!this.permissionsOf(user).permits(kind, key, rangeEnd)) throw authError('PermissionDenied');
  }

  private permissionsOf(user: User): RangePermissions {
    const name = user.name.toString();
    let perms = this.permCache.get(name);
    if (perms === undefined) {
      const roles = user.roles.map((r) => schema.getRole(this.be, r)?.keyPermission ?? []);
      perms = RangePermissions.merge(roles);
      this.permCache.set(name, perms);
    }
    return perms;
  }

  /** One auth change: its writes and the revision bump in the same transaction. */
  private change(write: (tx: BatchTx) => void): void {
    this.be.write((tx) => {
      write(tx);
      this.commitRevision(tx);
    });
    this.permCache.clear();
  }

  private commitRevision(tx: BatchTx): void {
    this.rev += 1;
    schema.writeRevision(tx, this.rev);
  }
}

function hasRootRole(u: User): boolean {
  return u.roles.includes(ROOT_ROLE);
}

/** Go's sort.Strings: byte order, not locale order. */
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
