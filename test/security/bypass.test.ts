// Attempts to get around auth, each expected to fail, against the tetcd binary and (to pin the
// expected answers) the real etcd 3.4 started the same way. Auth is set up with the real
// etcdctl: a root user, alice with read-only access to /pub/, and a role `tmp` whose write
// access to /tmp/ is revoked mid-test (stale tokens). v2 auth is set up over /v2/auth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdctl, type CtlResult } from '../helpers/etcdctl.js';
import { etcdSkipReason, startEtcd } from '../helpers/etcd.js';
import type { Member } from '../helpers/member.js';
import { startTetcd, tetcdSkipReason } from '../helpers/tetcd.js';

const ROOT = '--user=root:rootpw';
const ALICE = '--user=alice:alicepw';
const DENIED = /etcdserver: permission denied/;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const TARGETS = [
  { name: 'tetcd', start: startTetcd, skip: tetcdSkipReason() ?? false },
  { name: 'etcd 3.4', start: startEtcd, skip: etcdSkipReason() ?? false },
] as const;

for (const target of TARGETS) {
  describe(`nothing gets around auth (${target.name})`, { skip: target.skip }, () => {
    let m: Member;
    const ctl = (args: string[], timeoutMs = 10_000): Promise<CtlResult> =>
      etcdctl(m.endpoint, ['--dial-timeout=2s', '--command-timeout=5s', ...args], { timeoutMs });
    const ok = async (args: string[]): Promise<string> => {
      const r = await ctl(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    /** POST to the JSON gateway; token is sent as etcd's gateway expects (raw Authorization). */
    const gw = async (path: string, body: unknown, token?: string): Promise<{ status: number; text: string }> => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token !== undefined) headers.Authorization = token;
      const res = await fetch(`${m.clientUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
      return { status: res.status, text: await res.text() };
    };
    const tokenOf = async (name: string, password: string): Promise<string> => {
      const r = await gw('/v3/auth/authenticate', { name, password });
      assert.equal(r.status, 200, r.text);
      return (JSON.parse(r.text) as { token: string }).token;
    };
    const rootGet = async (key: string): Promise<string> => ok([ROOT, 'get', key, '--print-value-only']);

    before(async () => {
      m = await target.start({ extraFlags: ['--enable-v2'] });
      await ok(['user', 'add', 'root:rootpw']);
      await ok(['role', 'add', 'reader']);
      await ok(['role', 'grant-permission', 'reader', '--prefix=true', 'read', '/pub/']);
      await ok(['role', 'add', 'tmp']);
      await ok(['role', 'grant-permission', 'tmp', '--prefix=true', 'readwrite', '/tmp/']);
      await ok(['user', 'add', 'alice:alicepw']);
      await ok(['user', 'grant-role', 'alice', 'reader']);
      await ok(['user', 'grant-role', 'alice', 'tmp']);
      await ok(['auth', 'enable']);
      await ok([ROOT, 'put', '/secret/k', 'root-only']);
    });
    after(async () => {
      await m?.stop();
    });

    it('refuses a gateway put with no token and with a read-only token', async () => {
      const body = { key: b64('/pub/x'), value: b64('forged') };
      const anonymous = await gw('/v3/kv/put', body);
      assert.notEqual(anonymous.status, 200);
      assert.match(anonymous.text, /etcdserver: user name is empty/);
      const readOnly = await gw('/v3/kv/put', body, await tokenOf('alice', 'alicepw'));
      assert.notEqual(readOnly.status, 200);
      assert.match(readOnly.text, DENIED);
      assert.equal((await rootGet('/pub/x')).trim(), '');
    });

    // etcd 3.4.23 itself lets this through: its checkTxnReqsPermission has no RequestTxn case
    // (later etcd releases check nested txns). tetcd must refuse it.
    const nestedSkip = target.name === 'tetcd' ? false : 'etcd 3.4.23 does not check nested txns';
    it('refuses a txn whose nested txn puts a forbidden key', { skip: nestedSkip }, async () => {
      const token = await tokenOf('alice', 'alicepw');
      const nested = { success: [{ request_txn: { success: [{ request_put: { key: b64('/secret/k'), value: b64('forged') } }] } }] };
      const r = await gw('/v3/kv/txn', nested, token);
      assert.notEqual(r.status, 200);
      assert.match(r.text, DENIED);
      assert.equal((await rootGet('/secret/k')).trim(), 'root-only');
    });

    it('cancels a watch on a forbidden key with etcd\'s reason', async () => {
      const r = await ctl([ALICE, 'watch', '/secret/k'], 8000);
      assert.equal(r.timedOut, false, 'the watch must end, not wait for events');
      assert.match(`${r.stdout}${r.stderr}`, /watch is canceled by the server|permission denied/);
    });

    it('refuses to revoke a lease that holds keys the user cannot write', async () => {
      const grant = await ok([ROOT, 'lease', 'grant', '600']);
      const id = /lease ([0-9a-f]+) granted/.exec(grant)![1]!;
      await ok([ROOT, 'put', '/secret/leased', 'v', `--lease=${id}`]);
      const r = await ctl([ALICE, 'lease', 'revoke', id]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, DENIED);
      assert.equal((await rootGet('/secret/leased')).trim(), 'v');
    });

    it('keeps snapshot, defrag, hashkv and member add for root', async () => {
      const snap = await ctl([ALICE, 'snapshot', 'save', `${m.dataDir}/alice.db`]);
      assert.notEqual(snap.code, 0);
      assert.match(snap.stderr, /permission denied/);
      for (const args of [['defrag'], ['endpoint', 'hashkv'], ['member', 'add', 'intruder', '--peer-urls=http://127.0.0.1:1']]) {
        const r = await ctl([ALICE, ...args]);
        assert.match(`${r.stdout}${r.stderr}`, /permission denied/, args.join(' '));
      }
      const members = await ok([ROOT, 'member', 'list']);
      assert.doesNotMatch(members, /intruder/);
    });

    // etcd's snapshot stream fails with the auth package's own error, not the etcdserver one.
    it('refuses snapshot, defrag and hashkv with etcd\'s error text', async () => {
      const snap = await ctl([ALICE, 'snapshot', 'save', `${m.dataDir}/alice2.db`]);
      assert.match(snap.stderr, /Error: rpc error: code = Unknown desc = auth: permission denied/);
      const defrag = await ctl([ALICE, 'defrag']);
      assert.match(defrag.stderr, /Failed to defragment etcd member\[[^\]]+\] \(rpc error: code = Unknown desc = auth: permission denied\)/);
      const hash = await ctl([ALICE, 'endpoint', 'hashkv']);
      assert.match(hash.stderr, /rpc error: code = Unknown desc = auth: permission denied/);
    });

    it('refuses a stale token once the permission it relied on is revoked', async () => {
      const token = await tokenOf('alice', 'alicepw');
      const put = { key: b64('/tmp/a'), value: b64('1') };
      assert.equal((await gw('/v3/kv/put', put, token)).status, 200);
      await ok([ROOT, 'role', 'revoke-permission', 'tmp', '--prefix=true', '/tmp/']);
      const stale = await gw('/v3/kv/put', { ...put, value: b64('2') }, token);
      assert.notEqual(stale.status, 200);
      assert.match(stale.text, /permission denied|auth revision|invalid auth token/);
      assert.equal((await rootGet('/tmp/a')).trim(), '1');
    });

    it('checks v2 basic auth on /v2/keys once v2 auth is on', async () => {
      const v2 = async (method: string, path: string, body?: string, creds?: string): Promise<Response> => {
        const headers: Record<string, string> = {};
        if (creds !== undefined) headers.Authorization = `Basic ${b64(creds)}`;
        if (body !== undefined) headers['Content-Type'] = path.startsWith('/v2/keys') ? 'application/x-www-form-urlencoded' : 'application/json';
        return fetch(`${m.clientUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
      };
      assert.equal((await v2('PUT', '/v2/auth/users/root', '{"user":"root","password":"v2root"}')).status, 201);
      assert.equal((await v2('PUT', '/v2/auth/roles/ro', '{"role":"ro","permissions":{"kv":{"read":["/pub/*"],"write":[]}}}')).status, 201);
      assert.equal((await v2('PUT', '/v2/auth/users/bob', '{"user":"bob","password":"bobpw","roles":["ro"]}')).status, 200);
      assert.equal((await v2('PUT', '/v2/auth/enable', '', 'root:v2root')).status, 200);
      // The default guest role still allows everything: take writes away from it.
      assert.equal((await v2('PUT', '/v2/auth/roles/guest', '{"role":"guest","revoke":{"kv":{"write":["/*"]}}}', 'root:v2root')).status, 200);

      const attempts: Array<[string, string, string | undefined, string | undefined]> = [
        ['PUT', '/v2/keys/pub/x', 'value=forged', undefined],
        ['PUT', '/v2/keys/pub/x', 'value=forged', 'bob:bobpw'],
        ['PUT', '/v2/keys/pub/x', 'value=forged', 'bob:wrong'],
        ['PUT', '/v2/keys/pub/x', 'value=forged', 'root:rootpw'],
        ['DELETE', '/v2/keys/pub?recursive=true', undefined, 'bob:bobpw'],
        ['GET', '/v2/keys/secret?recursive=true', undefined, 'bob:bobpw'],
      ];
      for (const [method, path, body, creds] of attempts) {
        const res = await v2(method, path, body, creds);
        assert.equal(res.status, 401, `${method} ${path} as ${creds ?? 'guest'}`);
        assert.deepEqual(await res.json(), { errorCode: 110, message: 'The request requires user authentication', cause: 'Insufficient credentials', index: 0 });
      }
      for (const [method, path, body] of [['GET', '/v2/auth/users'], ['PUT', '/v2/auth/users/eve', '{"user":"eve","password":"e","roles":["root"]}'], ['DELETE', '/v2/auth/enable']] as const) {
        const res = await v2(method, path, body, 'bob:bobpw');
        assert.deepEqual([res.status, await res.text()], [401, '{"message":"Insufficient credentials"}'], `${method} ${path}`);
      }
      const members = await v2('POST', '/v2/members', '{"peerURLs":["http://127.0.0.1:1"]}', 'bob:bobpw');
      assert.equal(members.status, 401);
      const allowed = await v2('GET', '/v2/keys/pub/x', undefined, 'bob:bobpw');
      assert.equal(allowed.status, 404, 'bob may read /pub/*');
      assert.equal((await v2('PUT', '/v2/keys/pub/x', 'value=ok', 'root:v2root')).status, 201);
    });
  });
}
