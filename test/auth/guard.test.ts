// The server-side auth checks: apply-time checks from the request header (apply/auth.ts) and the
// serving-side guard reading the request-auth context (auth-guard.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withRequestAuth } from '../../src/auth/index.js';
import { InternalRaftRequest } from '../../src/proto/etcdserver/etcdserverpb/raft_internal.js';
import type { TxnRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { applyAuthRequest, checkAppliedPermission } from '../../src/server/apply/auth.js';
import { AuthGuard, authenticate, watchCancelReason } from '../../src/server/auth-guard.js';
import { b, enableWithRoot, err, grant, openFixture, READ, READWRITE, type Fixture } from './helpers.js';

const req = (fields: Partial<InternalRaftRequest>, username = '', rev = 0): InternalRaftRequest => ({
  ...InternalRaftRequest.fromPartial({}),
  ...fields,
  header: { ID: 1n, username, auth_revision: BigInt(rev) },
});
const put = (key: string, extra: object = {}) => ({ key: b(key), value: b('v'), lease: 0n, prev_kv: false, ignore_value: false, ignore_lease: false, ...extra });
const noLeases = () => [];

describe('apply-time checks and auth apply', () => {
  let f: Fixture;
  before(async () => {
    f = await openFixture();
    f.store.userAdd({ name: 'u', password: 'pw', options: undefined });
    f.store.roleAdd('r');
    f.store.userGrantRole('u', 'r');
    grant(f.store, 'r', READWRITE, 'a/', 'a0');
    grant(f.store, 'r', READ, 'ro');
    enableWithRoot(f.store);
  });
  after(() => f.close());
  const rev = () => f.store.revision();

  test('admin-only requests need root; user get/role get also allow self / own role', () => {
    assert.throws(() => checkAppliedPermission(f.store, req({ auth_role_add: { name: 'x' } }, 'u', rev()), noLeases), err('PermissionDenied'));
    assert.throws(() => checkAppliedPermission(f.store, req({ auth_user_list: {} }), noLeases), err('UserEmpty'));
    checkAppliedPermission(f.store, req({ auth_role_add: { name: 'x' } }, 'root', rev()), noLeases);
    checkAppliedPermission(f.store, req({ auth_user_get: { name: 'u' } }, 'u', rev()), noLeases);
    assert.throws(() => checkAppliedPermission(f.store, req({ auth_user_get: { name: 'root' } }, 'u', rev()), noLeases), err('PermissionDenied'));
    checkAppliedPermission(f.store, req({ auth_role_get: { role: 'r' } }, 'u', rev()), noLeases);
    assert.throws(() => checkAppliedPermission(f.store, req({ auth_role_get: { role: 'root' } }, 'u', rev()), noLeases), err('PermissionDenied'));
  });

  test('put: write on the key, read for prev_kv, write on keys already on its lease', () => {
    checkAppliedPermission(f.store, req({ put: put('a/1') }, 'u', rev()), noLeases);
    assert.throws(() => checkAppliedPermission(f.store, req({ put: put('ro') }, 'u', rev()), noLeases), err('PermissionDenied'));
    assert.throws(() => checkAppliedPermission(f.store, req({ put: put('a/1') }, 'u', rev() - 1), noLeases), err('AuthOldRevision'));
    assert.throws(() => checkAppliedPermission(f.store, req({ put: put('a/1') }), noLeases), err('UserEmpty'));
    const leased = (id: bigint) => (id === 7n ? [b('secret')] : []);
    assert.throws(() => checkAppliedPermission(f.store, req({ put: put('a/1', { lease: 7n }) }, 'u', rev()), leased), err('PermissionDenied'));
    assert.throws(() => checkAppliedPermission(f.store, req({ lease_revoke: { ID: 7n } }, 'u', rev()), leased), err('PermissionDenied'));
    checkAppliedPermission(f.store, req({ lease_revoke: { ID: 7n } }, 'root', rev()), leased);
  });

  test('delete range: write on the range, read too with prev_kv', () => {
    const del = (key: string, end: string, prev_kv = false) => ({ delete_range: { key: b(key), range_end: b(end), prev_kv } });
    checkAppliedPermission(f.store, req(del('a/', 'a0', true), 'u', rev()), noLeases);
    assert.throws(() => checkAppliedPermission(f.store, req(del('a', 'b'), 'u', rev()), noLeases), err('PermissionDenied'));
  });

  test('txn: compares, every op, nested txns', () => {
    const txn = (t: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...t });
    const cmpOn = (key: string) => ({ result: 0, target: 0, key: b(key), range_end: b(''), target_union: undefined });
    const ok = txn({ compare: [cmpOn('ro')], success: [{ request: { $case: 'request_put', value: put('a/x') } }] });
    checkAppliedPermission(f.store, req({ txn: ok }, 'u', rev()), noLeases);
    const badCompare = txn({ compare: [cmpOn('zzz')] });
    assert.throws(() => checkAppliedPermission(f.store, req({ txn: badCompare }, 'u', rev()), noLeases), err('PermissionDenied'));
    const badFailure = txn({ failure: [{ request: { $case: 'request_put', value: put('ro') } }] });
    assert.throws(() => checkAppliedPermission(f.store, req({ txn: badFailure }, 'u', rev()), noLeases), err('PermissionDenied'));
    const nested = txn({ success: [{ request: { $case: 'request_txn', value: txn({ success: [{ request: { $case: 'request_put', value: put('zzz') } }] }) } }] });
    assert.throws(() => checkAppliedPermission(f.store, req({ txn: nested }, 'u', rev()), noLeases), err('PermissionDenied'));
  });

  test('applyAuthRequest returns etcd response bodies; non-auth requests are not its business', () => {
    assert.deepEqual(applyAuthRequest(f.store, req({ auth_role_add: { name: 'x' } }), 10), {});
    assert.deepEqual(applyAuthRequest(f.store, req({ auth_role_list: {} }), 11), { roles: ['r', 'x'] });
    assert.deepEqual(applyAuthRequest(f.store, req({ auth_user_get: { name: 'u' } }), 12), { roles: ['r'] });
    const { token } = applyAuthRequest(f.store, req({ authenticate: { name: 'u', password: '', simple_token: 'ABCDEFGHIJKLMNOP' } }), 13) as { token: string };
    assert.equal(token, 'ABCDEFGHIJKLMNOP.13');
    assert.equal(applyAuthRequest(f.store, req({ put: put('a') }), 14), undefined);
    assert.throws(() => applyAuthRequest(f.store, req({ auth_user_delete: { name: 'root' } }), 15), err('InvalidAuthMgmt'));
  });
});

describe('serving-side guard', () => {
  let f: Fixture;
  let guard: AuthGuard;
  let token: string;
  before(async () => {
    f = await openFixture();
    f.store.userAdd({ name: 'u', password: 'pw', options: undefined });
    f.store.userAdd({ name: 'certuser', password: 'pw', options: undefined });
    f.store.roleAdd('r');
    f.store.userGrantRole('u', 'r');
    f.store.userGrantRole('certuser', 'r');
    grant(f.store, 'r', READ, 'k', 'l');
    enableWithRoot(f.store);
    guard = new AuthGuard(f.store, { clientCertAuth: true });
    token = f.store.authenticate('u', { index: 100, simpleTokenPrefix: 'tttttttttttttttt' }).token;
  });
  after(() => f.close());
  const rangeReq = (key: string, end = '') => ({ key: b(key), range_end: b(end) }) as Parameters<AuthGuard['range']>[0];

  test('a token names the user; a bad token is an invalid auth token; none is an empty user', async () => {
    assert.equal(await withRequestAuth({ token }, () => guard.range(rangeReq('k1'), () => 'data')), 'data');
    await assert.rejects(withRequestAuth({ token }, () => guard.range(rangeReq('m'), () => 'data')), err('PermissionDenied'));
    await assert.rejects(withRequestAuth({ token: 'bogus.1' }, () => guard.range(rangeReq('k1'), () => 'x')), err('InvalidAuthToken'));
    await assert.rejects(guard.range(rangeReq('k1'), () => 'x'), err('UserEmpty'));
  });

  test('a verified client certificate CN is the user when no token is given, never via the gateway', async () => {
    assert.equal(await withRequestAuth({ commonName: 'certuser' }, () => guard.range(rangeReq('k', 'l'), () => 1)), 1);
    await assert.rejects(withRequestAuth({ commonName: 'certuser', viaGateway: true }, () => guard.range(rangeReq('k1'), () => 1)), err('UserEmpty'));
    const noCertAuth = new AuthGuard(f.store, { clientCertAuth: false });
    await assert.rejects(withRequestAuth({ commonName: 'certuser' }, () => noCertAuth.range(rangeReq('k1'), () => 1)), err('UserEmpty'));
  });

  test('a read served across an auth change fails as stale', async () => {
    await assert.rejects(
      withRequestAuth({ token }, () => guard.range(rangeReq('k1'), () => f.store.roleAdd('during-read'))),
      err('AuthOldRevision'),
    );
  });

  test('proposal header carries the user and auth revision', async () => {
    assert.deepEqual(await withRequestAuth({ token }, () => guard.proposalHeader(5n)), { ID: 5n, username: 'u', auth_revision: BigInt(f.store.revision()) });
    assert.deepEqual(await guard.proposalHeader(6n), { ID: 6n, username: '', auth_revision: 0n });
  });

  test('watch: range checked as an interval (from-key included); cancel reasons as etcd', async () => {
    await withRequestAuth({ token }, () => guard.watch(b('k'), b('l')));
    const denied = await withRequestAuth({ token }, () => guard.watch(b('k'), b('\0'))).catch((e) => e);
    assert.equal(watchCancelReason(denied), 'etcdserver: permission denied');
    const empty = await guard.watch(b('k'), b('')).catch((e) => e);
    assert.equal(watchCancelReason(empty), 'etcdserver: user name is empty');
  });

  test('admin: root only', async () => {
    await assert.rejects(withRequestAuth({ token }, () => guard.admin()), err('PermissionDenied'));
    const rootToken = f.store.authenticate('root', { index: 101, simpleTokenPrefix: 'rrrrrrrrrrrrrrrr' }).token;
    await withRequestAuth({ token: rootToken }, () => guard.admin());
  });

  test('authenticate: password checked before proposing, wrong password never proposed', async () => {
    const proposed: string[] = [];
    const deps = {
      linearizable: async () => {},
      propose: async (r: { name: string; password: string; simple_token: string }) => {
        proposed.push(r.password);
        return { header: undefined, ...f.store.authenticate(r.name, { index: 200, simpleTokenPrefix: r.simple_token }) };
      },
    };
    await assert.rejects(authenticate(f.store, { name: 'u', password: 'wrong' }, deps), err('AuthFailed'));
    assert.equal(proposed.length, 0);
    const resp = await authenticate(f.store, { name: 'u', password: 'pw' }, deps);
    assert.match(resp.token, /^[a-zA-Z]{16}\.200$/);
    assert.deepEqual(proposed, [''], 'the password never goes into the log');
  });
});
