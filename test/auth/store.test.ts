// AuthStore: every operation and error of etcd 3.4's auth store, the revision bump on every
// change, the buckets' exact contents, and persistence across a reopen of the backend.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { User, Role } from '../../src/proto/auth/authpb/auth.js';
import { b, enableWithRoot, err, grant, openFixture, READ, READWRITE, WRITE, type Fixture } from './helpers.js';

describe('auth store', () => {
  let f: Fixture;
  before(async () => (f = await openFixture()));
  after(() => f.close());

  test('a new backend gets auth revision 1 and auth disabled', () => {
    assert.equal(f.store.revision(), 1);
    assert.equal(f.store.isEnabled(), false);
    assert.deepEqual(f.backend.get('auth', b('authRevision')), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
  });

  test('enable is refused without root, or with a root lacking the root role', () => {
    assert.throws(() => f.store.enable(), err('RootUserNotExist'));
    f.store.userAdd({ name: 'root', password: 'rootpw', options: undefined });
    assert.throws(() => f.store.enable(), err('RootRoleNotExist'));
    assert.equal(f.store.isEnabled(), false);
  });

  test('user add: empty name, duplicate, bcrypt $2a$ hash stored as authpb.User, revision bumps', () => {
    const rev = f.store.revision();
    assert.throws(() => f.store.userAdd({ name: '', password: 'x', options: undefined }), err('UserEmpty'));
    assert.throws(() => f.store.userAdd({ name: 'root', password: 'x', options: undefined }), err('UserAlreadyExist'));
    assert.equal(f.store.revision(), rev, 'failed ops do not bump the revision');
    f.store.userAdd({ name: 'alice', password: 'alicepw', options: undefined });
    assert.equal(f.store.revision(), rev + 1);
    const u = User.decode(f.backend.get('authUsers', b('alice'))!);
    assert.equal(u.name.toString(), 'alice');
    assert.match(u.password.toString(), /^\$2a\$04\$/);
    assert.ok(bcrypt.compareSync('alicepw', u.password.toString()));
    assert.deepEqual(u.options, { no_password: false });
    assert.deepEqual(u.roles, []);
  });

  test('user add with no_password stores no hash', () => {
    f.store.userAdd({ name: 'nopw', password: '', options: { no_password: true } });
    const u = User.decode(f.backend.get('authUsers', b('nopw'))!);
    assert.equal(u.password.length, 0);
    assert.deepEqual(u.options, { no_password: true });
  });

  test('roles: add, empty, duplicate, get missing, list in byte order', () => {
    assert.throws(() => f.store.roleAdd(''), err('RoleEmpty'));
    f.store.roleAdd('reader');
    f.store.roleAdd('Writer');
    assert.throws(() => f.store.roleAdd('reader'), err('RoleAlreadyExist'));
    assert.throws(() => f.store.roleGet('nope'), err('RoleNotFound'));
    assert.deepEqual(f.store.roleGet('reader'), { perm: [] });
    assert.deepEqual(f.store.roleList(), { roles: ['Writer', 'reader'] });
    assert.deepEqual(Role.decode(f.backend.get('authRoles', b('reader'))!), { name: b('reader'), keyPermission: [] });
  });

  test('grant permission: sorted by key, same key+range_end updates the type', () => {
    grant(f.store, 'reader', READ, 'foo');
    grant(f.store, 'reader', READ, 'a', 'c');
    grant(f.store, 'reader', WRITE, 'foo');
    assert.deepEqual(f.store.roleGet('reader').perm, [
      { permType: READ, key: b('a'), range_end: b('c') },
      { permType: WRITE, key: b('foo'), range_end: b('') },
    ]);
    assert.throws(() => grant(f.store, 'ghost', READ, 'x'), err('RoleNotFound'));
  });

  test('revoke permission matches key and range_end exactly', () => {
    assert.throws(() => f.store.roleRevokePermission({ role: 'reader', key: b('a'), range_end: b('') }), err('PermissionNotGranted'));
    assert.throws(() => f.store.roleRevokePermission({ role: 'ghost', key: b('a'), range_end: b('') }), err('RoleNotFound'));
    const rev = f.store.revision();
    f.store.roleRevokePermission({ role: 'reader', key: b('foo'), range_end: b('') });
    assert.equal(f.store.revision(), rev + 1);
    assert.deepEqual(f.store.roleGet('reader').perm, [{ permType: READ, key: b('a'), range_end: b('c') }]);
  });

  test('grant/revoke role: missing user or role, idempotent grant, root role may not exist yet', () => {
    assert.throws(() => f.store.userGrantRole('ghost', 'reader'), err('UserNotFound'));
    assert.throws(() => f.store.userGrantRole('alice', 'ghost'), err('RoleNotFound'));
    f.store.userGrantRole('alice', 'reader');
    f.store.userGrantRole('alice', 'Writer');
    const rev = f.store.revision();
    f.store.userGrantRole('alice', 'reader');
    assert.equal(f.store.revision(), rev, 'granting a role twice changes nothing');
    assert.deepEqual(f.store.userGet('alice'), { roles: ['Writer', 'reader'] });
    assert.throws(() => f.store.userRevokeRole('alice', 'root'), err('RoleNotGranted'));
    assert.throws(() => f.store.userRevokeRole('ghost', 'reader'), err('UserNotFound'));
    f.store.userRevokeRole('alice', 'Writer');
    assert.deepEqual(f.store.userGet('alice'), { roles: ['reader'] });
    f.store.userGrantRole('root', 'root');
    assert.deepEqual(f.store.userGet('root'), { roles: ['root'] });
    assert.throws(() => f.store.userGet('ghost'), err('UserNotFound'));
  });

  test('user list in byte order', () => {
    assert.deepEqual(f.store.userList(), { users: ['alice', 'nopw', 'root'] });
  });

  test('change password keeps roles and options, replaces the hash', async () => {
    assert.throws(() => f.store.userChangePassword({ name: 'ghost', password: 'x' }), err('UserNotFound'));
    f.store.userChangePassword({ name: 'alice', password: 'newpw' });
    const u = User.decode(f.backend.get('authUsers', b('alice'))!);
    assert.deepEqual(u.roles, ['reader']);
    assert.ok(bcrypt.compareSync('newpw', u.password.toString()));
  });

  test('checkPassword and authenticate refuse while auth is disabled', async () => {
    await assert.rejects(f.store.checkPassword('root', 'rootpw'), err('AuthNotEnabled'));
    assert.throws(() => f.store.authenticate('root', { index: 5, simpleTokenPrefix: 'x' }), err('AuthNotEnabled'));
  });

  test('enable: no revision bump, flag byte 1; then root rules apply', () => {
    const rev = f.store.revision();
    f.store.enable();
    assert.equal(f.store.isEnabled(), true);
    assert.equal(f.store.revision(), rev);
    assert.deepEqual(f.backend.get('auth', b('authEnabled')), Buffer.from([1]));
    f.store.enable(); // already enabled: a no-op success
    assert.throws(() => f.store.userDelete('root'), err('InvalidAuthMgmt'));
    assert.throws(() => f.store.userRevokeRole('root', 'root'), err('InvalidAuthMgmt'));
    assert.throws(() => f.store.roleDelete('root'), err('InvalidAuthMgmt'));
  });

  test('checkPassword: wrong password, unknown user, no-password user', async () => {
    assert.equal(await f.store.checkPassword('alice', 'newpw'), f.store.revision());
    await assert.rejects(f.store.checkPassword('alice', 'alicepw'), err('AuthFailed'));
    await assert.rejects(f.store.checkPassword('ghost', 'x'), err('AuthFailed'));
    await assert.rejects(f.store.checkPassword('nopw', ''), err('NoPasswordUser'));
    assert.throws(() => f.store.authenticate('nopw', { index: 9, simpleTokenPrefix: 'x' }), err('AuthFailed'));
    assert.throws(() => f.store.authenticate('ghost', { index: 9, simpleTokenPrefix: 'x' }), err('AuthFailed'));
  });

  test('authenticate makes a simple token <prefix>.<index> that names the user', async () => {
    const { token } = f.store.authenticate('alice', { index: 42, simpleTokenPrefix: 'abcdefghijklmnop' });
    assert.equal(token, 'abcdefghijklmnop.42');
    assert.deepEqual(await f.store.authInfoFromToken(token), { username: 'alice', revision: f.store.revision() });
    assert.equal(await f.store.authInfoFromToken('abcdefghijklmnop.43'), undefined);
    // a password change forgets the user's tokens
    f.store.userChangePassword({ name: 'alice', password: 'newpw' });
    assert.equal(await f.store.authInfoFromToken(token), undefined);
  });

  test('role delete removes the role from every user', () => {
    f.store.userGrantRole('nopw', 'Writer');
    f.store.roleDelete('Writer');
    assert.deepEqual(f.store.userGet('nopw'), { roles: [] });
    assert.throws(() => f.store.roleDelete('Writer'), err('RoleNotFound'));
  });

  test('user delete', () => {
    assert.throws(() => f.store.userDelete('ghost'), err('UserNotFound'));
    f.store.userDelete('nopw');
    assert.equal(f.backend.get('authUsers', b('nopw')), undefined);
  });

  test('everything survives a reopen of the backend', async () => {
    const rev = f.store.revision();
    await f.reopen();
    assert.equal(f.store.isEnabled(), true);
    assert.equal(f.store.revision(), rev);
    assert.deepEqual(f.store.userList(), { users: ['alice', 'root'] });
    assert.deepEqual(f.store.roleGet('reader').perm, [{ permType: READ, key: b('a'), range_end: b('c') }]);
    assert.equal(await f.store.checkPassword('alice', 'newpw'), rev);
  });

  test('disable bumps the revision, writes flag 0 and forgets simple tokens', async () => {
    const { token } = f.store.authenticate('root', { index: 77, simpleTokenPrefix: 'qwertyuiopasdfgh' });
    const rev = f.store.revision();
    f.store.disable();
    assert.equal(f.store.revision(), rev + 1);
    assert.deepEqual(f.backend.get('auth', b('authEnabled')), Buffer.from([0]));
    assert.equal(await f.store.authInfoFromToken(token), undefined);
    f.store.disable(); // already disabled: nothing changes
    assert.equal(f.store.revision(), rev + 1);
    // root rules are for enabled auth only
    f.store.userRevokeRole('root', 'root');
    assert.throws(() => f.store.enable(), err('RootRoleNotExist'));
  });
});

describe('auth store permissions', () => {
  let f: Fixture;
  before(async () => {
    f = await openFixture();
    f.store.userAdd({ name: 'u', password: 'pw', options: undefined });
    f.store.roleAdd('r');
    f.store.userGrantRole('u', 'r');
    grant(f.store, 'r', READ, 'k1');
    grant(f.store, 'r', READWRITE, 'p/', 'p0');
    grant(f.store, 'r', WRITE, 'z', '\0');
    enableWithRoot(f.store);
  });
  after(() => f.close());
  const ai = () => ({ username: 'u', revision: f.store.revision() });

  test('no credentials: user name is empty; admin checks too', () => {
    assert.throws(() => f.store.isRangePermitted({ username: '', revision: 0 }, b('k1'), b('')), err('UserEmpty'));
    assert.throws(() => f.store.isAdminPermitted(undefined), err('UserEmpty'));
    assert.throws(() => f.store.isAdminPermitted({ username: '', revision: 3 }), err('UserEmpty'));
  });

  test('point and range checks against key, range and from-key permissions', () => {
    f.store.isRangePermitted(ai(), b('k1'), b(''));
    assert.throws(() => f.store.isPutPermitted(ai(), b('k1')), err('PermissionDenied'));
    assert.throws(() => f.store.isRangePermitted(ai(), b('k2'), b('')), err('PermissionDenied'));
    f.store.isRangePermitted(ai(), b('p/a'), b('p/b'));
    f.store.isDeleteRangePermitted(ai(), b('p/'), b('p0'));
    assert.throws(() => f.store.isRangePermitted(ai(), b('p/'), b('p1')), err('PermissionDenied'));
    f.store.isPutPermitted(ai(), b('zzz'));
    f.store.isDeleteRangePermitted(ai(), b('z'), b('\0'));
    assert.throws(() => f.store.isDeleteRangePermitted(ai(), b('y'), b('\0')), err('PermissionDenied'));
    assert.throws(() => f.store.isRangePermitted(ai(), b('z'), b('')), err('PermissionDenied'));
  });

  test('root may do anything; others are not admins; unknown users are denied', () => {
    const root = { username: 'root', revision: f.store.revision() };
    f.store.isRangePermitted(root, b('\0'), b('\0'));
    f.store.isAdminPermitted(root);
    assert.throws(() => f.store.isAdminPermitted(ai()), err('PermissionDenied'));
    assert.throws(() => f.store.isAdminPermitted({ username: 'ghost', revision: 9 }), err('UserNotFound'));
    assert.throws(() => f.store.isPutPermitted({ username: 'ghost', revision: f.store.revision() }, b('k')), err('PermissionDenied'));
  });

  test('a credential from an older auth revision is stale', () => {
    const old = ai();
    f.store.roleAdd('other');
    assert.throws(() => f.store.isRangePermitted(old, b('k1'), b('')), err('AuthOldRevision'));
    f.store.isRangePermitted(ai(), b('k1'), b(''));
  });

  test('a permission change is seen at once (cache dropped)', () => {
    f.store.roleRevokePermission({ role: 'r', key: b('k1'), range_end: b('') });
    assert.throws(() => f.store.isRangePermitted(ai(), b('k1'), b('')), err('PermissionDenied'));
    grant(f.store, 'r', READ, 'k1');
    f.store.isRangePermitted(ai(), b('k1'), b(''));
  });

  test('checks pass everything while auth is disabled', () => {
    f.store.disable();
    f.store.isPutPermitted(undefined, b('anything'));
    f.store.isAdminPermitted(undefined);
  });
});
