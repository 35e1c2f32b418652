// Differential auth test: the same etcdctl sequence (users, roles, permissions, auth enable,
// --user requests, root rules, password change, auth disable) against the real etcd 3.4 and
// tetcd; the normalised transcripts must be equal. The sequence also asserts etcd's key
// outputs itself, so it pins etcd's behaviour even where tetcd is not run. tetcd's half runs
// once tetcd serves the Auth service, and is skipped (with the reason) until then.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { isDeepStrictEqual, inspect } from 'node:util';
import {
  Normaliser,
  Session,
  connect,
  currentRevision,
  etcdctl,
  etcdSkipReason,
  startEtcd,
  startTetcd,
  tetcdSkipReason,
  unary,
  type Member,
  type Step,
  type Target,
} from '../helpers/index.js';
import { StatusRequest } from '../../src/proto/etcdserver/etcdserverpb/rpc.js';

const ROOT = ['--user', 'root:rootpw'];
const ALICE = ['--user', 'alice:alicepw'];

/** Runs etcdctl, records it, and checks that etcd's answer (and so tetcd's) is as expected. */
async function expectCtl(s: Session, args: string[], want: { out?: RegExp; err?: RegExp }, stdin?: string): Promise<void> {
  const res = await s.ctl(args, stdin !== undefined ? { stdin } : {});
  if (want.out) assert.match(res.stdout, want.out, `${s.kind}: etcdctl ${args.join(' ')} stdout`);
  if (want.err) assert.match(res.stderr, want.err, `${s.kind}: etcdctl ${args.join(' ')} stderr`);
  if (want.err === undefined) assert.equal(res.code, 0, `${s.kind}: etcdctl ${args.join(' ')} failed: ${res.stderr}`);
}

async function authSequence(s: Session): Promise<void> {
  // management while auth is off
  await expectCtl(s, ['auth', 'enable'], { err: /etcdserver: root user does not exist/ });
  await expectCtl(s, ['user', 'add', 'root', '--new-user-password=rootpw'], { out: /User root created/ });
  await expectCtl(s, ['user', 'add', 'root', '--new-user-password=x'], { err: /etcdserver: user name already exists/ });
  await expectCtl(s, ['user', 'add', 'alice', '--new-user-password=alicepw'], { out: /User alice created/ });
  await expectCtl(s, ['role', 'add', 'reader'], { out: /Role reader created/ });
  await expectCtl(s, ['role', 'add', 'reader'], { err: /etcdserver: role name already exists/ });
  await expectCtl(s, ['role', 'grant-permission', 'reader', 'read', 'foo'], { out: /updated/ });
  await expectCtl(s, ['role', 'grant-permission', 'reader', '--prefix=true', 'readwrite', 'p/'], { out: /updated/ });
  await expectCtl(s, ['role', 'grant-permission', 'reader', 'write', 'a', 'c'], { out: /updated/ });
  await expectCtl(s, ['role', 'grant-permission', 'ghost', 'read', 'foo'], { err: /etcdserver: role name not found/ });
  await expectCtl(s, ['user', 'grant-role', 'alice', 'reader'], { out: /granted/ });
  await expectCtl(s, ['user', 'grant-role', 'alice', 'ghost'], { err: /etcdserver: role name not found/ });
  await expectCtl(s, ['user', 'revoke-role', 'alice', 'root'], { err: /etcdserver: role is not granted to the user/ });
  await expectCtl(s, ['role', 'revoke-permission', 'reader', 'nope'], { err: /etcdserver: permission is not granted to the role/ });
  await expectCtl(s, ['role', 'get', 'reader'], { out: /Role reader/ });
  await expectCtl(s, ['-w', 'json', 'role', 'get', 'reader'], {});
  await expectCtl(s, ['user', 'get', 'alice'], { out: /Roles: reader/ });
  await expectCtl(s, ['user', 'get', 'ghost'], { err: /etcdserver: user name not found/ });
  await expectCtl(s, ['user', 'list'], { out: /alice\nroot/ });
  await expectCtl(s, ['role', 'list'], { out: /reader/ });
  await expectCtl(s, ['put', 'foo', 'bar'], { out: /OK/ });
  // etcdctl grants root the root role itself when enable says it is missing
  await expectCtl(s, ['auth', 'enable'], { out: /Authentication Enabled/ });
  await expectCtl(s, ['user', 'get', 'root', ...ROOT], { out: /Roles: root/ });

  // requests under auth
  await expectCtl(s, ['get', 'foo'], { err: /etcdserver: user name is empty/ });
  await expectCtl(s, ['get', 'foo', '--user', 'alice:wrong'], { err: /etcdserver: authentication failed, invalid user ID or password/ });
  await expectCtl(s, ['get', 'foo', ...ALICE], { out: /foo\nbar/ });
  await expectCtl(s, ['put', 'foo', 'baz', ...ALICE], { err: /etcdserver: permission denied/ });
  await expectCtl(s, ['put', 'p/1', 'one', ...ALICE], { out: /OK/ });
  await expectCtl(s, ['put', 'b', 'x', ...ALICE], { out: /OK/ });
  await expectCtl(s, ['get', 'b', ...ALICE], { err: /etcdserver: permission denied/ });
  await expectCtl(s, ['get', 'p/', '--prefix', ...ALICE], { out: /p\/1\none/ });
  await expectCtl(s, ['get', 'p', '--prefix', ...ALICE], { err: /etcdserver: permission denied/ });
  await expectCtl(s, ['put', 'p/2', 'two', '--prev-kv', ...ALICE], { out: /OK/ });
  await expectCtl(s, ['del', 'p/', '--prefix', ...ALICE], { out: /2/ });
  await expectCtl(s, ['txn', ...ALICE], { out: /SUCCESS/ }, 'value("foo") = "bar"\n\nput p/t v\n\n\n');
  await expectCtl(s, ['txn', ...ALICE], { err: /etcdserver: permission denied/ }, 'value("zzz") = "bar"\n\nput p/t v\n\n\n');
  await expectCtl(s, ['user', 'list', ...ALICE], { err: /etcdserver: permission denied/ });
  await expectCtl(s, ['user', 'get', 'alice', ...ALICE], { out: /Roles: reader/ });
  await expectCtl(s, ['role', 'get', 'reader', ...ALICE], { out: /Role reader/ });
  await expectCtl(s, ['role', 'add', 'x', ...ALICE], { err: /etcdserver: permission denied/ });

  // root rules
  await expectCtl(s, ['user', 'delete', 'root', ...ROOT], { err: /etcdserver: invalid auth management/ });
  await expectCtl(s, ['role', 'delete', 'root', ...ROOT], { err: /etcdserver: invalid auth management/ });
  await expectCtl(s, ['user', 'revoke-role', 'root', 'root', ...ROOT], { err: /etcdserver: invalid auth management/ });

  // a revoked permission and a changed password take effect at once
  await expectCtl(s, ['role', 'revoke-permission', 'reader', 'foo', ...ROOT], { out: /revoked/ });
  await expectCtl(s, ['get', 'foo', ...ALICE], { err: /etcdserver: permission denied/ });
  await expectCtl(s, ['user', 'passwd', 'alice', '--interactive=false', ...ROOT], { out: /Password updated/ }, 'newpw\n');
  await expectCtl(s, ['get', 'p/t', ...ALICE], { err: /etcdserver: authentication failed, invalid user ID or password/ });
  await expectCtl(s, ['get', 'p/t', '--user', 'alice:newpw'], { out: /p\/t\nv/ });

  // back to the start, so the sequence can run again
  await expectCtl(s, ['auth', 'disable', ...ROOT], { out: /Authentication Disabled/ });
  await expectCtl(s, ['get', 'foo'], { out: /foo\nbar/ });
  for (const args of [['user', 'delete', 'alice'], ['user', 'delete', 'root'], ['role', 'delete', 'reader'], ['role', 'delete', 'root']]) {
    await expectCtl(s, args, { out: /deleted/ });
  }
  await expectCtl(s, ['del', '', '--from-key'], {});
}

const members: Member[] = [];
after(async () => {
  for (const m of members) await m.stop();
});

async function target(kind: 'etcd' | 'tetcd'): Promise<Target> {
  const member = await (kind === 'etcd' ? startEtcd() : startTetcd());
  members.push(member);
  const clients = connect(member.endpoint);
  const status = await unary(clients.maintenance, clients.maintenance.status, StatusRequest.fromPartial({}));
  const h = status.header!;
  return { kind, member, clients, identity: { clusterId: h.cluster_id, memberId: h.member_id, clientPort: member.clientPort, peerPort: member.peerPort } };
}

async function run(t: TestContext, tg: Target): Promise<Step[]> {
  const s = new Session(tg, new Normaliser(tg.identity, await currentRevision(tg)), t);
  try {
    await authSequence(s);
  } finally {
    tg.clients.close();
  }
  return s.transcript;
}

let reference: Step[] | undefined;

test('auth sequence on real etcd', async (t) => {
  const reason = etcdSkipReason();
  if (reason !== undefined) return void t.skip(reason);
  reference = await run(t, await target('etcd'));
});

test('auth sequence on tetcd equals etcd', async (t) => {
  const reason = tetcdSkipReason() ?? (reference === undefined ? 'no etcd transcript' : undefined);
  if (reason !== undefined) return void t.skip(reason);
  const tg = await target('tetcd');
  const probe = await etcdctl(tg.member.endpoint, ['user', 'list']);
  if (/Unimplemented|unknown service/i.test(probe.stderr)) {
    tg.clients.close();
    return void t.skip('tetcd does not serve the Auth service yet');
  }
  const got = await run(t, tg);
  for (let i = 0; i < Math.max(got.length, reference!.length); i++) {
    if (!isDeepStrictEqual(got[i], reference![i])) {
      assert.fail(`tetcd differs from etcd at step ${i + 1}\netcd:  ${inspect(reference![i], { depth: 8 })}\ntetcd: ${inspect(got[i], { depth: 8 })}`);
    }
  }
});
