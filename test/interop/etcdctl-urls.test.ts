// The real etcdctl with endpoints given as URLs: grpc-go then sends "http://host:port" as the
// :authority, which Node's HTTP/2 refuses unless tetcd rewrites it (api/h2-authority.ts). The
// per-endpoint maintenance calls (status, hashkv, defrag) and ordinary KV calls must all work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdctl, etcdSkipReason, startTetcd, tetcdSkipReason } from '../helpers/index.js';

test('etcdctl --endpoints http://… works for KV and per-endpoint maintenance calls', { skip: tetcdSkipReason() ?? etcdSkipReason() }, async (t) => {
  const m = await startTetcd();
  t.after(() => m.stop());
  const url = m.clientUrl;
  for (const args of [['put', 'k', 'v'], ['get', 'k'], ['endpoint', 'status'], ['endpoint', 'hashkv'], ['defrag'], ['endpoint', 'status', '--cluster'], ['member', 'list']]) {
    const r = await etcdctl(url, args);
    assert.equal(r.code, 0, `etcdctl --endpoints ${url} ${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /PROTOCOL_ERROR/);
  }
  const status = await etcdctl(url, ['endpoint', 'status', '-w', 'json']);
  assert.equal((JSON.parse(status.stdout) as Array<{ Endpoint: string }>)[0]!.Endpoint, url);
});
