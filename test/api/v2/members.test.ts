// /v2/members, /v2/stats/*, /v2/machines against the in-memory member.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixture, type FixtureServer } from './fixture.js';

let fx: FixtureServer;
before(async () => (fx = await startFixture()));
after(() => fx.close());

async function call(method: string, path: string, json?: unknown, contentType = 'application/json') {
  const init: RequestInit = { method, signal: AbortSignal.timeout(5000) };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers = { 'Content-Type': contentType };
  }
  const res = await fetch(`${fx.url}${path}`, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('/v2/members', () => {
  it('lists members as etcd does', async () => {
    const r = await call('GET', '/v2/members');
    assert.equal(r.status, 200);
    assert.equal(r.body, `{"members":[{"id":"8e9e05c52164694d","name":"default","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["${fx.url}"]}]}\n`);
    assert.equal(r.headers.get('x-etcd-cluster-id'), 'cdf818194e3a8c32');
    const leader = await call('GET', '/v2/members/leader');
    assert.equal(JSON.parse(leader.body).id, '8e9e05c52164694d');
    const other = await call('GET', '/v2/members/zzz');
    assert.deepEqual([other.status, other.body], [404, '{"message":"Not found"}']);
  });

  it('adds (201), refuses duplicates (409), bad URLs (400) and bad content types (415)', async () => {
    const added = await call('POST', '/v2/members', { peerURLs: ['http://10.0.0.2:2380'] });
    assert.equal(added.status, 201);
    assert.deepEqual(JSON.parse(added.body), { id: '1001', name: '', peerURLs: ['http://10.0.0.2:2380'], clientURLs: [] });
    const dup = await call('POST', '/v2/members', { peerURLs: ['http://10.0.0.2:2380'] });
    assert.deepEqual([dup.status, dup.body], [409, '{"message":"membership: peerURL exists"}']);
    const noPort = await call('POST', '/v2/members', { peerURLs: ['http://10.0.0.3'] });
    assert.deepEqual([noPort.status, noPort.body], [400, '{"message":"URL address does not have the form \\"host:port\\": http://10.0.0.3"}']);
    const withPath = await call('POST', '/v2/members', { peerURLs: ['http://10.0.0.3:1/x'] });
    assert.equal(JSON.parse(withPath.body).message, 'URL must not contain a path: http://10.0.0.3:1/x');
    const scheme = await call('POST', '/v2/members', { peerURLs: ['ftp://10.0.0.3:1'] });
    assert.equal(JSON.parse(scheme.body).message, 'URL scheme must be http, https, unix, or unixs: ftp://10.0.0.3:1');
    const ctype = await call('POST', '/v2/members', { peerURLs: [] }, 'text/plain');
    assert.deepEqual([ctype.status, ctype.body], [415, '{"message":"Bad Content-Type text/plain, accept application/json"}']);
  });

  it('updates (204) and removes (204), then 410 for a removed ID, 404 for unknown or bad IDs', async () => {
    assert.equal((await call('PUT', '/v2/members/1001', { peerURLs: ['http://10.0.0.9:2380'] })).status, 204);
    assert.equal((await call('DELETE', '/v2/members/1001')).status, 204);
    const gone = await call('DELETE', '/v2/members/1001');
    assert.deepEqual([gone.status, gone.body], [410, '{"message":"Member permanently removed: 1001"}']);
    const unknown = await call('DELETE', '/v2/members/abc');
    assert.deepEqual([unknown.status, unknown.body], [404, '{"message":"No such member: abc"}']);
    const bad = await call('DELETE', '/v2/members/xyz');
    assert.deepEqual([bad.status, bad.body], [404, '{"message":"No such member: xyz"}']);
    const none = await call('DELETE', '/v2/members');
    assert.equal(none.status, 405);
  });
});

describe('/v2/stats and /v2/machines', () => {
  it('serve store stats, self and leader stats, and the client URLs', async () => {
    const before = JSON.parse((await call('GET', '/v2/stats/store')).body).getsFail as number;
    await call('GET', '/v2/keys/missing');
    const store = await call('GET', '/v2/stats/store');
    assert.equal(store.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(store.body)).slice(0, 3), ['getsSuccess', 'getsFail', 'setsSuccess']);
    // 2, as on etcd 3.4: the missing key, and the v2 auth check's read of the absent /2/enabled
    assert.equal(JSON.parse(store.body).getsFail - before, 2);
    assert.equal(JSON.parse((await call('GET', '/v2/stats/self')).body).id, '8e9e05c52164694d');
    assert.equal((await call('GET', '/v2/stats/leader')).status, 200);
    assert.equal((await call('POST', '/v2/stats/store')).status, 405);
    const machines = await call('GET', '/v2/machines');
    assert.deepEqual([machines.status, machines.body], [200, fx.url]);
  });
});
