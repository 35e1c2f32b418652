// Differential: the same raw HTTP sequence against a real etcd 3.4 (--enable-v2) and the v2
// handler over the in-memory member. Status, X-Etcd-Index and body must match once the store
// index is made relative (etcd's store starts past the writes it makes for its own members)
// and expiration instants are masked (their format is still checked).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdSkipReason, startEtcd } from '../../helpers/etcd.js';
import type { Member } from '../../helpers/member.js';
import { startFixture, type FixtureServer } from './fixture.js';

const skip = etcdSkipReason() ?? false;

interface Target {
  url: string;
  base: number;
}

interface Step {
  method: string;
  path: string;
  form?: Record<string, string>;
}

/** Everything a v2 client can observe, normalised. */
async function observe(t: Target, step: Step): Promise<string> {
  const init: RequestInit = { method: step.method, redirect: 'manual', signal: AbortSignal.timeout(5000) };
  if (step.form !== undefined) {
    init.body = new URLSearchParams(step.form).toString();
    init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  }
  // @N in a path is store index N relative to the server's starting index.
  const path = step.path.replace(/@(\d+)/g, (_m, n: string) => String(Number(n) + t.base));
  const res = await fetch(`${t.url}${path}`, init);
  const body = await res.text();
  const etcdIndex = res.headers.get('x-etcd-index');
  const index = etcdIndex === null ? '-' : String(Number(etcdIndex) - (Number(etcdIndex) === 0 ? 0 : t.base));
  const extra = ['allow', 'location', 'content-type'].map((h) => `${h}=${res.headers.get(h) ?? '-'}`).join(' ');
  return `${res.status} idx=${index} ${extra}\n${normalise(body, t.base)}`;
}

function normalise(body: string, base: number): string {
  return body
    .replace(/"expiration":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)"/g, '"expiration":"<time>"')
    .replace(/"(modifiedIndex|createdIndex|index)":(\d+)/g, (_m, f: string, n: string) => `"${f}":${Number(n) === 0 ? 0 : Number(n) - base}`)
    .replace(/\[(\d+) != (\d+)\]/g, (_m, a: string, b: string) => `[${Number(a) - base} != ${Number(b) - base}]`)
    .replace(/\/(\d{20})(?=["/])/g, (_m, n: string) => `/${String(Number(n) - base).padStart(20, '0')}`);
}

const STEPS: Step[] = [
  { method: 'GET', path: '/v2/keys/' },
  { method: 'PUT', path: '/v2/keys/a', form: { value: 'one' } },
  { method: 'PUT', path: '/v2/keys/a', form: { value: 'two' } },
  { method: 'GET', path: '/v2/keys/a' },
  { method: 'PUT', path: '/v2/keys/d/x/y', form: { value: '<&>"\u2028' } },
  { method: 'PUT', path: '/v2/keys/d/_hidden', form: { value: 'h' } },
  { method: 'PUT', path: '/v2/keys/d/b', form: { value: 'b' } },
  { method: 'GET', path: '/v2/keys/d?recursive=true&sorted=true' },
  { method: 'GET', path: '/v2/keys/d?sorted=true' },
  { method: 'GET', path: '/v2/keys/d/_hidden' },
  { method: 'GET', path: '/v2/keys/?recursive=true&sorted=true' },
  { method: 'GET', path: '/v2/keys/missing/deeper' },
  { method: 'GET', path: '/v2/keys/a/below' },
  { method: 'PUT', path: '/v2/keys/a/below', form: { value: 'x' } },
  { method: 'PUT', path: '/v2/keys/a?prevExist=false', form: { value: 'x' } },
  { method: 'PUT', path: '/v2/keys/new?prevExist=false', form: { value: 'x' } },
  { method: 'PUT', path: '/v2/keys/nope?prevExist=true', form: { value: 'x' } },
  { method: 'PUT', path: '/v2/keys/new?prevExist=true', form: { value: 'y' } },
  { method: 'PUT', path: '/v2/keys/new?prevValue=zzz', form: { value: 'z' } },
  { method: 'PUT', path: '/v2/keys/new?prevValue=y&prevIndex=@1', form: { value: 'z' } },
  { method: 'PUT', path: '/v2/keys/new?prevValue=y', form: { value: 'z' } },
  { method: 'PUT', path: '/v2/keys/d?prevValue=y', form: { value: 'z' } },
  { method: 'PUT', path: '/v2/keys/d', form: { value: 'z' } },
  { method: 'PUT', path: '/v2/keys/emptydir?dir=true' },
  { method: 'PUT', path: '/v2/keys/emptydir?dir=true' },
  { method: 'PUT', path: '/v2/keys/emptydir?dir=true&prevExist=true' },
  { method: 'GET', path: '/v2/keys/emptydir' },
  { method: 'POST', path: '/v2/keys/queue', form: { value: 'j1' } },
  { method: 'POST', path: '/v2/keys/queue', form: { value: 'j2' } },
  { method: 'GET', path: '/v2/keys/queue?sorted=true' },
  { method: 'PUT', path: '/v2/keys/ttl', form: { value: 'v', ttl: '1000' } },
  { method: 'GET', path: '/v2/keys/ttl' },
  { method: 'PUT', path: '/v2/keys/ttl?refresh=true&prevExist=true', form: { ttl: '2000' } },
  { method: 'PUT', path: '/v2/keys/ttl?refresh=true', form: { ttl: '2000' } },
  { method: 'PUT', path: '/v2/keys/ttl', form: { value: 'v', ttl: '' } },
  { method: 'PUT', path: '/v2/keys/quiet?noValueOnSuccess=true', form: { value: 'q' } },
  { method: 'GET', path: '/v2/keys/d/x/y?wait=true&waitIndex=@1' },
  { method: 'GET', path: '/v2/keys/d?wait=true&waitIndex=@1&recursive=true' },
  { method: 'DELETE', path: '/v2/keys/d' },
  { method: 'DELETE', path: '/v2/keys/d?dir=true' },
  { method: 'DELETE', path: '/v2/keys/emptydir?dir=true' },
  { method: 'DELETE', path: '/v2/keys/new?prevValue=nope' },
  { method: 'DELETE', path: '/v2/keys/new?prevIndex=@1' },
  { method: 'DELETE', path: '/v2/keys/new?prevValue=z' },
  { method: 'DELETE', path: '/v2/keys/d?recursive=true' },
  { method: 'GET', path: '/v2/keys/d/x/y?wait=true&waitIndex=@5' },
  { method: 'DELETE', path: '/v2/keys/?recursive=true' },
  { method: 'DELETE', path: '/v2/keys/?dir=true' },
  { method: 'PUT', path: '/v2/keys/', form: { value: 'x' } },
  { method: 'POST', path: '/v2/keys/', form: { value: 'x' } },
  { method: 'PUT', path: '/v2/keys/e?ttl=abc', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?ttl=-1', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?prevIndex=x', form: { value: 'v' } },
  { method: 'GET', path: '/v2/keys/e?waitIndex=-3' },
  { method: 'GET', path: '/v2/keys/e?recursive=yes' },
  { method: 'GET', path: '/v2/keys/e?sorted=2' },
  { method: 'GET', path: '/v2/keys/e?quorum=x' },
  { method: 'GET', path: '/v2/keys/e?stream=x' },
  { method: 'PUT', path: '/v2/keys/e?dir=x' },
  { method: 'PUT', path: '/v2/keys/e?wait=true', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?prevValue=', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?prevExist=maybe', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?refresh=maybe', form: { value: 'v' } },
  { method: 'PUT', path: '/v2/keys/e?refresh=true', form: { value: 'v', ttl: '5' } },
  { method: 'PUT', path: '/v2/keys/e?refresh=true' },
  { method: 'PUT', path: '/v2/keys/e?noValueOnSuccess=x', form: { value: 'v' } },
  { method: 'GET', path: '/v2/keys/e?x=%zz' },
  { method: 'GET', path: '/v2/keys/e?a;b=1' },
  { method: 'PUT', path: '/v2/keys/e?unknown=1&value=fromquery' },
  { method: 'PUT', path: '/v2/keys/e?value=fromquery', form: { value: 'frombody' } },
  { method: 'PATCH', path: '/v2/keys/e' },
  { method: 'GET', path: '/v2/keys//a' },
  { method: 'PUT', path: '/v2/keys/./a/../e2', form: { value: 'v' } },
  { method: 'GET', path: '/v2/keys/quorum?quorum=true' },
  { method: 'GET', path: '/v2/keys/a?quorum=true' },
  { method: 'GET', path: '/v2/nothing' },
  { method: 'GET', path: '/v2/machines/' },
  { method: 'POST', path: '/v2/stats/store' },
  { method: 'GET', path: '/v2/members/nope' },
  { method: 'DELETE', path: '/v2/members/xyz' },
  { method: 'HEAD', path: '/v2/keys/a' },
  { method: 'HEAD', path: '/v2/keys/missing' },
];

describe('v2 API compared with a real etcd 3.4', { skip }, () => {
  let etcd: Member;
  let fx: FixtureServer;
  let real: Target;
  let ours: Target;

  before(async () => {
    [etcd, fx] = await Promise.all([startEtcd({ extraFlags: ['--enable-v2'] }), startFixture()]);
    const baseOf = async (url: string) => Number((await fetch(`${url}/v2/keys/`)).headers.get('x-etcd-index'));
    real = { url: etcd.clientUrl, base: await baseOf(etcd.clientUrl) };
    ours = { url: fx.url, base: await baseOf(fx.url) };
  });
  after(async () => {
    await Promise.all([etcd?.stop(), fx?.close()]);
  });

  it('answers every step of the sequence as etcd does', async () => {
    const mismatches: string[] = [];
    for (const step of STEPS) {
      const [want, got] = [await observe(real, step), await observe(ours, step)];
      if (want !== got) mismatches.push(`${step.method} ${step.path} ${JSON.stringify(step.form ?? {})}\n  etcd:  ${want}\n  tetcd: ${got}`);
    }
    assert.deepEqual(mismatches, []);
  });

  it('long-poll watches answer alike', async () => {
    const watch = (t: Target) => observe(t, { method: 'GET', path: '/v2/keys/w?wait=true&recursive=true' });
    const pending = [watch(real), watch(ours)];
    await new Promise((r) => setTimeout(r, 200));
    for (const t of [real, ours]) await observe(t, { method: 'PUT', path: '/v2/keys/w/k', form: { value: 'v' } });
    const [want, got] = await Promise.all(pending);
    assert.equal(got, want);
  });
});
