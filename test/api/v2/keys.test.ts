// /v2/keys over HTTP against the in-memory member: statuses, headers, bodies, errors, watches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixture, type FixtureServer } from './fixture.js';

let fx: FixtureServer;
before(async () => (fx = await startFixture()));
after(() => fx.close());

async function call(method: string, path: string, form?: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(5000) };
  if (form !== undefined) {
    init.body = new URLSearchParams(form).toString();
    init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  }
  const res = await fetch(`${fx.url}${path}`, { ...init, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('/v2/keys', () => {
  it('PUT creates (201) then replaces (200) with etcd headers and body', async () => {
    const created = await call('PUT', '/v2/keys/a/b', { value: 'one' });
    assert.equal(created.status, 201);
    assert.equal(created.body, '{"action":"set","node":{"key":"/a/b","value":"one","modifiedIndex":1,"createdIndex":1}}\n');
    assert.equal(created.headers.get('x-etcd-index'), '1');
    assert.equal(created.headers.get('x-etcd-cluster-id'), 'cdf818194e3a8c32');
    assert.equal(created.headers.get('content-type'), 'application/json');
    assert.ok(Number(created.headers.get('x-raft-index')) > 0);
    assert.equal(created.headers.get('x-raft-term'), '2');
    const replaced = await call('PUT', '/v2/keys/a/b', { value: 'two' });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body, '{"action":"set","node":{"key":"/a/b","value":"two","modifiedIndex":2,"createdIndex":2},"prevNode":{"key":"/a/b","value":"one","modifiedIndex":1,"createdIndex":1}}\n');
  });

  it('GET of the keys root has no key; recursive sorted listing; HEAD has no body', async () => {
    const root = await call('GET', '/v2/keys/?recursive=true&sorted=true');
    assert.equal(root.status, 200);
    assert.match(root.body, /^\{"action":"get","node":\{"dir":true,"nodes":\[\{"key":"\/a","dir":true,"nodes":\[\{"key":"\/a\/b","value":"two"/);
    const head = await call('HEAD', '/v2/keys/a/b');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers.get('x-etcd-index'), '2');
  });

  it('errors: 404 key not found with the cause trimmed of /1, 412, 403, 107', async () => {
    const missing = await call('GET', '/v2/keys/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '{"errorCode":100,"message":"Key not found","cause":"/nope","index":2}\n');
    assert.equal(missing.headers.get('x-etcd-index'), '2');
    const exists = await call('PUT', '/v2/keys/a/b?prevExist=false', { value: 'x' });
    assert.equal(exists.status, 412);
    assert.equal(JSON.parse(exists.body).errorCode, 105);
    const notFile = await call('DELETE', '/v2/keys/a');
    assert.equal(notFile.status, 403);
    assert.equal(notFile.body, '{"errorCode":102,"message":"Not a file","cause":"/a","index":2}\n');
    const root = await call('DELETE', '/v2/keys/?recursive=true');
    assert.equal(root.body, '{"errorCode":107,"message":"Root is read only","cause":"/","index":2}\n');
  });

  it('malformed parameters give etcd codes and causes, and propose nothing', async () => {
    const before = fx.member.proposed.length;
    const cases: Array<[string, string, Record<string, string> | undefined, string]> = [
      ['PUT', '/v2/keys/x?ttl=abc', { value: 'v' }, '{"errorCode":202,"message":"The given TTL in POST form is not a number","cause":"invalid value for \\"ttl\\"","index":0}\n'],
      ['PUT', '/v2/keys/x?prevIndex=-1', { value: 'v' }, '{"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \\"prevIndex\\"","index":0}\n'],
      ['GET', '/v2/keys/x?waitIndex=x', undefined, '{"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \\"waitIndex\\"","index":0}\n'],
      ['GET', '/v2/keys/x?recursive=maybe', undefined, '{"errorCode":209,"message":"Invalid field","cause":"invalid value for \\"recursive\\"","index":0}\n'],
      ['PUT', '/v2/keys/x?wait=true', { value: 'v' }, '{"errorCode":209,"message":"Invalid field","cause":"\\"wait\\" can only be used with GET requests","index":0}\n'],
      ['PUT', '/v2/keys/x?prevValue=', { value: 'v' }, '{"errorCode":201,"message":"PrevValue is Required in POST form","cause":"\\"prevValue\\" cannot be empty","index":0}\n'],
      ['PUT', '/v2/keys/x?prevExist=yes', { value: 'v' }, '{"errorCode":209,"message":"Invalid field","cause":"invalid value for prevExist","index":0}\n'],
      ['PUT', '/v2/keys/x?refresh=true', { value: 'v', ttl: '5' }, '{"errorCode":211,"message":"Value provided on refresh","cause":"A value was provided on a refresh","index":0}\n'],
      ['PUT', '/v2/keys/x?refresh=true', {}, '{"errorCode":212,"message":"A TTL must be provided on refresh","cause":"No TTL value set","index":0}\n'],
      ['GET', '/v2/keys/x?a=%zz', undefined, '{"errorCode":210,"message":"Invalid POST form","cause":"invalid URL escape \\"%zz\\"","index":0}\n'],
    ];
    for (const [method, path, form, body] of cases) {
      const r = await call(method, path, form);
      assert.equal(r.status, 400, `${method} ${path}`);
      assert.equal(r.body, body, `${method} ${path}`);
    }
    assert.equal(fx.member.proposed.length, before);
  });

  it('unknown parameters are ignored; ttl sets expiration; noValueOnSuccess drops nodes', async () => {
    const r = await call('PUT', '/v2/keys/t?whatever=1', { value: 'v', ttl: '100' });
    assert.equal(r.status, 201);
    const body = JSON.parse(r.body);
    assert.equal(body.node.ttl, 100);
    assert.match(body.node.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const quiet = await call('PUT', '/v2/keys/t?noValueOnSuccess=true', { value: 'w' });
    assert.equal(quiet.body, '{"action":"set"}\n');
  });

  it('POST makes in-order keys; quorum GET goes through the log', async () => {
    const r = await call('POST', '/v2/keys/queue', { value: 'job' });
    assert.equal(r.status, 201);
    const body = JSON.parse(r.body);
    assert.equal(body.action, 'create');
    assert.match(body.node.key, /^\/queue\/\d{20}$/);
    const n = fx.member.proposed.length;
    const q = await call('GET', '/v2/keys/queue?quorum=true');
    assert.equal(q.status, 200);
    assert.equal(fx.member.proposed.at(-1)?.Method, 'QGET');
    assert.equal(fx.member.proposed.length, n + 1);
  });

  it('long-poll watch answers the next change; waitIndex answers from history; 401 when cleared', async () => {
    const pending = call('GET', '/v2/keys/w?wait=true');
    await new Promise((r) => setTimeout(r, 50));
    await call('PUT', '/v2/keys/w', { value: 'hello' });
    const got = await pending;
    assert.equal(got.status, 200);
    const ev = JSON.parse(got.body);
    assert.deepEqual([ev.action, ev.node.key, ev.node.value], ['set', '/w', 'hello']);
    const past = await call('GET', `/v2/keys/a/b?wait=true&waitIndex=1`);
    assert.equal(JSON.parse(past.body).node.value, 'one');
    assert.equal(past.headers.get('x-etcd-index'), String(fx.member.v2Store.index));
  });

  it('stream watch sends events until the client leaves, then the watcher is removed', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${fx.url}/v2/keys/s?wait=true&stream=true&recursive=true`, { signal: ctl.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await call('PUT', '/v2/keys/s/1', { value: 'a' });
    await call('PUT', '/v2/keys/s/2', { value: 'b' });
    let text = '';
    const deadline = Date.now() + 3000;
    while (text.split('\n').length < 3 && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    const lines = text.trim().split('\n').map((l) => JSON.parse(l).node.key);
    assert.deepEqual(lines, ['/s/1', '/s/2']);
    ctl.abort();
    for (let i = 0; i < 50 && fx.member.v2Store.watcherCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fx.member.v2Store.watcherCount, 0);
  });

  it('method and path handling as Go: 405 with Allow, 301 to the clean path, 404 outside the API', async () => {
    const patch = await call('PATCH', '/v2/keys/x');
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.get('allow'), 'HEAD,GET,PUT,POST,DELETE');
    assert.equal(patch.body, 'Method Not Allowed\n');
    const moved = await call('GET', '/v2/keys//a/./b?x=1');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.get('location'), '/v2/keys/a/b?x=1');
    const nf = await call('GET', '/v2/nothing');
    assert.deepEqual([nf.status, nf.body], [404, '404 page not found\n']);
  });
});
