// The /v3 JSON gateway, compared with a real etcd 3.4's grpc-gateway: the same requests are sent
// to both and the answers must match (status, headers that matter, JSON bodies with the IDs that
// differ between two clusters masked).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonName, parseJsonValues } from '../../src/api/http/json.js';
import { startHarness, type Harness } from './fixtures/harness.js';
import { ETCD_BIN, startRealEtcd, type RealEtcd } from './fixtures/real-etcd.js';

/** Masks what differs between two clusters: IDs and the raft term. */
function mask(text: string): string {
  return text.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"X"');
}

async function post(base: string, path: string, body: string): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(`${base}${path}`, { method: 'POST', body });
  return { status: r.status, type: r.headers.get('content-type'), text: mask(await r.text()) };
}

/** Reads the first `n` lines of a streaming response within a bound, then drops it. */
async function streamLines(base: string, path: string, body: string, n: number): Promise<string[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 3000);
  const r = await fetch(`${base}${path}`, { method: 'POST', body, signal: ac.signal });
  const reader = r.body!.getReader();
  let text = '';
  try {
    while (text.split('\n').length <= n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text.split('\n').slice(0, n).map(mask);
}

const SEQUENCE: [string, string][] = [
  ['/v3/kv/put', '{"key":"Zm9v","value":"YmFy"}'],
  ['/v3/kv/put', '{"key":"Zm9v","value":"YmFy","prev_kv":true}'],
  ['/v3/kv/range', '{"key":"Zm9v"}'],
  ['/v3/kv/range', '{"key":"Zm9v","count_only":true}'],
  ['/v3/kv/range', '{"key":"bm9uZQ=="}'],
  ['/v3/kv/range', '{"key":""}'],
  ['/v3/kv/range', '{"key":"Zm9v","revision":1000}'],
  ['/v3/kv/txn', '{"compare":[{"key":"Zm9v","result":"EQUAL","target":"VALUE","value":"YmFy"}],"success":[{"request_range":{"key":"Zm9v"}}]}'],
  ['/v3/kv/deleterange', '{"key":"eA=="}'],
  ['/v3/kv/put', '{"key":"Zm9v","value":"YmFy","lease":"12345"}'],
  ['/v3/lease/timetolive', '{"ID":5}'],
  ['/v3/lease/revoke', '{"ID":5}'],
  ['/v3/cluster/member/remove', '{"ID":5}'],
  ['/v3/kv/compaction', '{"revision":1000}'],
  ['/v3/election/leader', '{"name":"ZWw="}'],
  ['/v3beta/kv/range', '{"key":"Zm9v"}'],
  ['/v3/kv/nothing', '{}'],
];

describe('JSON gateway', () => {
  it('names fields as the proto does', () => {
    assert.equal(jsonName('prev_kv'), 'prevKv');
    assert.equal(jsonName('ID'), 'ID');
    assert.equal(jsonName('dbSizeInUse'), 'dbSizeInUse');
    assert.deepEqual(parseJsonValues(' {"a":"}{"} {"b":[1,{}]}\n'), [{ a: '}{' }, { b: [1, {}] }]);
  });

  describe('against a real etcd', { skip: false }, () => {
    let real: RealEtcd | undefined;
    let h: Harness;
    before(async () => {
      real = await startRealEtcd();
      h = await startHarness();
    });
    after(async () => {
      await h?.close();
      await real?.stop();
    });

    it('answers the same JSON, statuses and errors', async (t) => {
      if (real === undefined) return t.skip(`${ETCD_BIN} is not installed`);
      const ours = `http://${h.addr}`;
      for (const [path, body] of SEQUENCE) {
        const want = await post(real.clientUrl, path, body);
        const got = await post(ours, path, body);
        assert.deepEqual(got, want, `${path} ${body}`);
      }
    });

    it('answers bad JSON with 400 and code 3, GET with 405', async (t) => {
      if (real === undefined) return t.skip(`${ETCD_BIN} is not installed`);
      for (const base of [real.clientUrl, `http://${h.addr}`]) {
        const bad = await post(base, '/v3/kv/put', '{bad json');
        assert.equal(bad.status, 400);
        assert.equal(JSON.parse(bad.text).code, 3);
        const get = await fetch(`${base}/v3/kv/range`);
        assert.deepEqual([get.status, await get.text()], [405, 'Method Not Allowed\n']);
      }
    });

    it('streams watch results as newline-delimited {"result": ...}', async (t) => {
      if (real === undefined) return t.skip(`${ETCD_BIN} is not installed`);
      const run = async (base: string) => {
        const lines = streamLines(base, '/v3/watch', '{"create_request":{"key":"d2F0Y2g=","start_revision":1}}', 1);
        const first = await lines;
        const bad = await streamLines(base, '/v3/watch', '{"create_request":{"key":"Zm9v","range_end":"Zm8="}}', 1);
        return [...first, ...bad].map((l) => l.replace(/"revision":"\d+"/, '"revision":"R"'));
      };
      assert.deepEqual(await run(`http://${h.addr}`), await run(real.clientUrl));
    });

    it('streams keep-alive answers for every request in the body', async (t) => {
      if (real === undefined) return t.skip(`${ETCD_BIN} is not installed`);
      const run = (base: string) => streamLines(base, '/v3/lease/keepalive', '{"ID":5}{"ID":"6"}', 2);
      const norm = (ls: string[]) => ls.map((l) => l.replace(/"revision":"\d+"/, '"revision":"R"'));
      assert.deepEqual(norm(await run(`http://${h.addr}`)), norm(await run(real.clientUrl)));
    });
  });
});
