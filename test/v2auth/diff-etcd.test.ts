// Differential: the same /v2/auth and /v2/keys sequence, with basic auth, against a real etcd
// 3.4 (--enable-v2) and the v2 handler over the in-memory member. Status, content type and body
// must match (store indexes masked: etcd's store starts past its own member writes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdSkipReason, startEtcd } from '../helpers/etcd.js';
import type { Member } from '../helpers/member.js';
import { startFixture, type FixtureServer } from '../api/v2/fixture.js';

const skip = etcdSkipReason() ?? false;

/** [method, path, body (JSON string or form), user:password] */
type Step = readonly [string, string, string?, string?];

const ROOT = 'root:rootpw';
const ALICE = 'alice:alicepw';

const SEQUENCE: readonly Step[] = [
  ['GET', '/v2/auth/enable'],
  ['PUT', '/v2/auth/enable'],
  ['PUT', '/v2/auth/users/root', '{"user":"root","password":"rootpw"}'],
  ['GET', '/v2/auth/users'],
  ['GET', '/v2/auth/roles'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader","permissions":{"kv":{"read":["/foo/*"],"write":[]}}}'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader"}'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader","grant":{"kv":{"write":["/foo/bar"]}}}'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader","grant":{"kv":{"write":["/foo/bar"]}}}'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader","revoke":{"kv":{"read":["/never"]}}}'],
  ['PUT', '/v2/auth/roles/reader', '{"role":"reader","permissions":{"kv":{"read":["/x"]}},"grant":{"kv":{"read":["/y"]}}}'],
  ['PUT', '/v2/auth/roles/root', '{"role":"root"}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice","password":"alicepw"}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice","grant":["reader"]}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice","grant":["reader"]}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice","revoke":["nothere"]}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice"}'],
  ['PUT', '/v2/auth/users/alice', '{"user":"alice","roles":["x"],"grant":["y"]}'],
  ['PUT', '/v2/auth/users/bob', '{"user":"bob"}'],
  ['PUT', '/v2/auth/users/bob', '{"user":"notbob","password":"x"}'],
  ['PUT', '/v2/auth/users/bob', '{not json'],
  ['PUT', '/v2/auth/users/carol', '{"user":"carol","password":"c","roles":["reader"]}'],
  ['GET', '/v2/auth/users/alice'],
  ['GET', '/v2/auth/users/nobody'],
  ['GET', '/v2/auth/users'],
  ['GET', '/v2/auth/roles'],
  ['GET', '/v2/auth/roles/'],
  ['GET', '/v2/auth/roles/nothere'],
  ['DELETE', '/v2/auth/roles/nothere'],
  ['DELETE', '/v2/auth/users/carol'],
  ['DELETE', '/v2/auth/users/carol'],
  ['GET', '/v2/auth/users/a/b'],
  ['POST', '/v2/auth/users'],
  ['GET', '/v2/auth'],
  ['GET', '/v2/auth/enable/x'],
  ['PUT', '/v2/keys/foo/bar', 'value=before'],
  ['PUT', '/v2/auth/enable', '', ROOT],
  ['PUT', '/v2/auth/enable', '', ROOT],
  ['GET', '/v2/auth/enable'],
  ['GET', '/v2/auth/roles/guest', '', ROOT],
  ['GET', '/v2/auth/users'],
  ['GET', '/v2/auth/users', '', ALICE],
  ['GET', '/v2/auth/users', '', 'root:wrong'],
  ['GET', '/v2/auth/users', '', ROOT],
  ['PUT', '/v2/keys/foo/bar', 'value=1', ALICE],
  ['PUT', '/v2/keys/foo/baz', 'value=1', ALICE],
  ['GET', '/v2/keys/foo/bar', '', ALICE],
  ['GET', '/v2/keys/foo?recursive=true', '', ALICE],
  ['GET', '/v2/keys/foo/?recursive=true', '', ALICE],
  ['GET', '/v2/keys/other', '', 'alice:wrong'],
  ['GET', '/v2/keys/other'],
  ['PUT', '/v2/auth/roles/guest', '{"role":"guest","revoke":{"kv":{"write":["/*"]}}}', ROOT],
  ['PUT', '/v2/keys/other', 'value=1'],
  ['GET', '/v2/keys/foo/bar'],
  ['POST', '/v2/members', '{"peerURLs":["http://127.0.0.1:1"]}', ALICE],
  ['DELETE', '/v2/auth/users/root', '', ROOT],
  ['DELETE', '/v2/auth/roles/root', '', ROOT],
  ['DELETE', '/v2/auth/enable', '', ALICE],
  ['DELETE', '/v2/auth/enable', '', ROOT],
  ['DELETE', '/v2/auth/enable', '', ROOT],
  ['PUT', '/v2/keys/foo/baz', 'value=open'],
];

async function observe(base: string, [method, path, body, creds]: Step): Promise<string> {
  const headers: Record<string, string> = {};
  if (creds !== undefined) headers.Authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  if (body !== undefined && body !== '') {
    headers['Content-Type'] = path.startsWith('/v2/keys') ? 'application/x-www-form-urlencoded' : 'application/json';
  }
  const init: RequestInit = { method, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) };
  if (body !== undefined && body !== '') init.body = body;
  const res = await fetch(`${base}${path}`, init);
  const text = (await res.text()).replace(/"(modifiedIndex|createdIndex|index)":\d+/g, '"$1":N');
  return `${method} ${path} ${creds ?? '-'} -> ${res.status} ${res.headers.get('content-type') ?? '-'} ${res.headers.get('allow') ?? ''}\n${text}`;
}

describe('v2 auth against real etcd 3.4', { skip }, () => {
  let etcd: Member;
  let fx: FixtureServer;
  before(async () => {
    [etcd, fx] = await Promise.all([startEtcd({ extraFlags: ['--enable-v2'] }), startFixture()]);
  });
  after(async () => {
    await Promise.all([etcd?.stop(), fx?.close()]);
  });

  it('answers the same user, role, enable and key sequence with the same statuses and bodies', async () => {
    for (const step of SEQUENCE) {
      const want = await observe(etcd.clientUrl, step);
      const got = await observe(fx.url, step);
      assert.equal(got, want);
    }
  });
});
