// Request-level v2 auth rules over the in-memory member: basic-auth parsing as Go's
// Request.BasicAuth, key patterns (exact, prefix, recursive), the guest role, and that auth
// records live under /2 where /v2/keys cannot reach them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseBasicAuth } from '../../src/v2auth/index.js';
import { startFixture, type FixtureServer } from '../api/v2/fixture.js';

describe('parseBasicAuth', () => {
  it('reads "Basic" in any case and splits at the first colon', () => {
    assert.deepEqual(parseBasicAuth(`bAsIc ${Buffer.from('u:p:q').toString('base64')}`), { user: 'u', password: 'p:q' });
  });
  it('refuses other schemes, bad base64 and credentials without a colon', () => {
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth('Basic !!!'), null);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), null);
    assert.equal(parseBasicAuth(undefined), null);
  });
});

describe('v2 key permissions', () => {
  let fx: FixtureServer;
  const call = async (method: string, path: string, body?: string, creds?: string): Promise<number> => {
    const headers: Record<string, string> = {};
    if (creds !== undefined) headers.Authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    if (body !== undefined) headers['Content-Type'] = path.startsWith('/v2/keys') ? 'application/x-www-form-urlencoded' : 'application/json';
    const res = await fetch(`${fx.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    fx = await startFixture();
    assert.equal(await call('PUT', '/v2/auth/users/root', '{"user":"root","password":"r"}'), 201);
    const role = '{"role":"app","permissions":{"kv":{"read":["/app/*","/exact"],"write":["/app/*"]}}}';
    assert.equal(await call('PUT', '/v2/auth/roles/app', role), 201);
    assert.equal(await call('PUT', '/v2/auth/users/u', '{"user":"u","password":"p","roles":["app"]}'), 200);
    assert.equal(await call('PUT', '/v2/auth/roles/guest', '{"role":"guest","permissions":{"kv":{"read":["/open"],"write":[]}}}'), 201);
    assert.equal(await call('PUT', '/v2/auth/enable', '', 'root:r'), 200);
  });
  after(() => fx?.close());

  it('stores users, roles and the flag under /2 through proposals, hashes passwords', () => {
    const enabled = fx.member.v2Store.get('/2/enabled', false, false);
    assert.equal(enabled.node.value, 'true');
    const stored = JSON.parse(fx.member.v2Store.get('/2/users/u', false, false).node.value!) as { password: string };
    assert.match(stored.password, /^\$2a\$10\$/);
    assert.ok(fx.member.proposed.some((r) => r.Path === '/2/enabled' && r.Method === 'PUT'));
  });

  it('matches exact keys, prefixes, and needs a prefix permission for recursive requests', async () => {
    assert.equal(await call('PUT', '/v2/keys/app/x', 'value=1', 'u:p'), 201);
    assert.equal(await call('GET', '/v2/keys/exact', undefined, 'u:p'), 404);
    assert.equal(await call('GET', '/v2/keys/exact/below', undefined, 'u:p'), 401);
    assert.equal(await call('PUT', '/v2/keys/exact', 'value=1', 'u:p'), 401);
    assert.equal(await call('GET', '/v2/keys/app/?recursive=true', undefined, 'u:p'), 200);
    assert.equal(await call('GET', '/v2/keys/exact?recursive=true', undefined, 'u:p'), 401);
  });

  it('gives requests without credentials the guest role, whose patterns etcd matches as for plain requests even when recursive', async () => {
    assert.equal(await call('GET', '/v2/keys/open'), 404);
    assert.equal(await call('GET', '/v2/keys/open?recursive=true'), 404);
    assert.equal(await call('PUT', '/v2/keys/open', 'value=1'), 401);
    assert.equal(await call('GET', '/v2/keys/app/x'), 401);
  });

  it('keeps the auth records out of reach of /v2/keys', async () => {
    assert.equal(await call('GET', '/v2/keys/2/users/root', undefined, 'root:r'), 404);
  });
});
