// The auth side of applying a committed InternalRaftRequest (etcd's applierV3backend auth
// methods + authApplierV3). Two entry points for the Applier:
//   checkAppliedPermission(store, req, leaseKeys) — before applying ANY request: the permission
//     checks etcd makes at apply time with the user and auth revision the proposing member put
//     in the request header (admin-only requests, put/delete/txn key ranges, lease revocation);
//   applyAuthRequest(store, req, index) — applies the request's auth field, if it has one.
// Both are deterministic: every member reaches the same verdict from the same entry.
import type { AuthStore } from '../../auth/index.js';
import type { AuthInfo } from '../../auth/index.js';
import type { InternalRaftRequest } from '../../proto/etcdserver/etcdserverpb/raft_internal.js';
import type { PutRequest, RequestOp, TxnRequest } from '../../proto/etcdserver/etcdserverpb/rpc.js';

/** The keys attached to a lease (empty if the lease does not exist). */
export type LeaseKeys = (leaseId: bigint) => readonly Buffer[];

/** A response body without its header (the server adds the header). */
export type AuthResponseBody = Record<string, unknown>;

/** The credentials a committed request carries in its header. */
export function authInfoOf(r: InternalRaftRequest): AuthInfo {
  return { username: r.header?.username ?? '', revision: Number(r.header?.auth_revision ?? 0n) };
}

/** Requests only root may make (etcd's needAdminPermission). */
export function needsAdmin(r: InternalRaftRequest): boolean {
  return (
    r.auth_enable !== undefined ||
    r.auth_disable !== undefined ||
    r.auth_user_add !== undefined ||
    r.auth_user_delete !== undefined ||
    r.auth_user_change_password !== undefined ||
    r.auth_user_grant_role !== undefined ||
    r.auth_user_revoke_role !== undefined ||
    r.auth_role_add !== undefined ||
    r.auth_role_grant_permission !== undefined ||
    r.auth_role_revoke_permission !== undefined ||
    r.auth_role_delete !== undefined ||
    r.auth_user_list !== undefined ||
    r.auth_role_list !== undefined
  );
}

/** Whether the request carries an auth field (then applyAuthRequest handles it). */
export function isAuthRequest(r: InternalRaftRequest): boolean {
  return needsAdmin(r) || r.authenticate !== undefined || r.auth_user_get !== undefined || r.auth_role_get !== undefined;
}

/**
 * etcd's authApplierV3 checks of one committed request; throws etcd's error. A no-op while auth
 * is disabled (the store's checks pass everything then).
 */
export function checkAppliedPermission(store: AuthStore, r: InternalRaftRequest, leaseKeys: LeaseKeys): void {
  if (!store.isEnabled()) return;
  const ai = authInfoOf(r);
  if (needsAdmin(r)) return store.isAdminPermitted(ai);
  if (r.put) return checkPut(store, ai, r.put, leaseKeys);
  if (r.delete_range) {
    const d = r.delete_range;
    store.isDeleteRangePermitted(ai, d.key, d.range_end);
    if (d.prev_kv) store.isRangePermitted(ai, d.key, d.range_end);
    return;
  }
  if (r.txn) return checkTxnPermission(store, ai, r.txn, leaseKeys);
  if (r.lease_revoke) return checkLeaseKeys(store, ai, r.lease_revoke.ID, leaseKeys);
  // a user may read their own user and the roles they have
  if (r.auth_user_get) return adminOr(store, ai, () => r.auth_user_get!.name === ai.username);
  if (r.auth_role_get) return adminOr(store, ai, () => store.hasRole(ai.username, r.auth_role_get!.role));
}

function adminOr(store: AuthStore, ai: AuthInfo, allowed: () => boolean): void {
  try {
    store.isAdminPermitted(ai);
  } catch (err) {
    if (!allowed()) throw err;
  }
}

function checkPut(store: AuthStore, ai: AuthInfo, put: PutRequest, leaseKeys: LeaseKeys): void {
  store.isPutPermitted(ai, put.key);
  // Keys already on the lease must be writable: whoever may attach a key to a lease may revoke
  // it, and revoking deletes every key attached.
  if (put.lease !== 0n) checkLeaseKeys(store, ai, put.lease, leaseKeys);
  if (put.prev_kv) store.isRangePermitted(ai, put.key, Buffer.alloc(0));
}

function checkLeaseKeys(store: AuthStore, ai: AuthInfo, id: bigint, leaseKeys: LeaseKeys): void {
  for (const key of leaseKeys(id)) store.isPutPermitted(ai, key);
}

/**
 * Every compare and every operation of a txn, nested txns included. Stricter than etcd 3.4.23
 * where it must be: etcd checks neither nested txns nor prev_kv/lease of puts inside a txn,
 * which let a user read or delete (through a lease) keys they may not.
 */
export function checkTxnPermission(store: AuthStore, ai: AuthInfo, txn: TxnRequest, leaseKeys: LeaseKeys): void {
  if (!store.isEnabled()) return;
  for (const c of txn.compare) store.isRangePermitted(ai, c.key, c.range_end);
  checkOps(store, ai, txn.success, leaseKeys);
  checkOps(store, ai, txn.failure, leaseKeys);
}

function checkOps(store: AuthStore, ai: AuthInfo, ops: readonly RequestOp[], leaseKeys: LeaseKeys): void {
  for (const op of ops) {
    const req = op.request;
    if (req === undefined) continue;
    switch (req.$case) {
      case 'request_range':
        store.isRangePermitted(ai, req.value.key, req.value.range_end);
        break;
      case 'request_put':
        checkPut(store, ai, req.value, leaseKeys);
        break;
      case 'request_delete_range':
        if (req.value.prev_kv) store.isRangePermitted(ai, req.value.key, req.value.range_end);
        store.isDeleteRangePermitted(ai, req.value.key, req.value.range_end);
        break;
      case 'request_txn':
        checkTxnPermission(store, ai, req.value, leaseKeys);
        break;
    }
  }
}

/**
 * Applies the auth field of `r` (call checkAppliedPermission first) and returns etcd's
 * response body without header, or undefined when `r` has no auth field. `index` is the entry's
 * raft index: simple tokens are made of it. Errors are thrown with etcd's texts.
 */
export function applyAuthRequest(store: AuthStore, r: InternalRaftRequest, index: number): AuthResponseBody | undefined {
  if (r.auth_enable) return store.enable(), {};
  if (r.auth_disable) return store.disable(), {};
  if (r.authenticate) return store.authenticate(r.authenticate.name, { index, simpleTokenPrefix: r.authenticate.simple_token });
  if (r.auth_user_add) return store.userAdd(r.auth_user_add), {};
  if (r.auth_user_delete) return store.userDelete(r.auth_user_delete.name), {};
  if (r.auth_user_change_password) return store.userChangePassword(r.auth_user_change_password), {};
  if (r.auth_user_grant_role) return store.userGrantRole(r.auth_user_grant_role.user, r.auth_user_grant_role.role), {};
  if (r.auth_user_revoke_role) return store.userRevokeRole(r.auth_user_revoke_role.name, r.auth_user_revoke_role.role), {};
  if (r.auth_user_get) return store.userGet(r.auth_user_get.name);
  if (r.auth_user_list) return store.userList();
  if (r.auth_role_add) return store.roleAdd(r.auth_role_add.name), {};
  if (r.auth_role_delete) return store.roleDelete(r.auth_role_delete.role), {};
  if (r.auth_role_get) return store.roleGet(r.auth_role_get.role);
  if (r.auth_role_list) return store.roleList();
  if (r.auth_role_grant_permission) return store.roleGrantPermission(r.auth_role_grant_permission), {};
  if (r.auth_role_revoke_permission) return store.roleRevokePermission(r.auth_role_revoke_permission), {};
  return undefined;
}
