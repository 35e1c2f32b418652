// check perf: etcdctl's verdict lines and thresholds, a short workload on a real etcd (rate
// held, no errors, the bar drawn as pb.v1 draws it), and the command's early errors compared
// with the real etcdctl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RangeRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { V3Client } from '../../../src/client/v3.js';
import { perfVerdict, runPerfLoad, type PerfStats } from '../../../src/ctl/commands/check.js';
import { prefixRangeEnd } from '../../../src/ctl/keys.js';
import { etcdSkipReason, startEtcd, type Member } from '../../helpers/index.js';
import { runTool } from './background.js';

const skip = etcdSkipReason();
const S = { limit: 150, clients: 50, duration: 60 };

function verdict(s: PerfStats): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  const ok = perfVerdict(s, S, (l) => lines.push(l));
  return { ok, lines };
}

describe('check perf verdict', () => {
  it('passes within the thresholds, with etcdctl’s rounding of the rate', () => {
    assert.deepEqual(verdict({ rps: 149.2, slowest: 0.0123456, stddev: 0.0021, errors: new Map() }), {
      ok: true,
      lines: ['PASS: Throughput is 150 writes/s', 'PASS: Slowest request took 0.012346s', 'PASS: Stddev is 0.002100s', 'PASS'],
    });
  });

  it('fails on errors, a rate at or below 90%, a slowest request over 0.5 s and a stddev over 0.1 s', () => {
    assert.deepEqual(verdict({ rps: 135, slowest: 0.6, stddev: 0.2, errors: new Map([['etcdserver: too many requests', 3]]) }), {
      ok: false,
      lines: [
        'FAIL: too many errors',
        'FAIL: ERROR(etcdserver: too many requests) -> 3',
        'FAIL: Throughput too low: 136 writes/s',
        'Slowest request took too long: 0.600000s',
        'Stddev too high: 0.200000s',
        'FAIL',
      ],
    });
  });
});

describe('check perf on a real etcd', { skip }, () => {
  let etcd: Member;
  let clients: V3Client[] = [];
  before(async () => {
    etcd = await startEtcd();
    clients = Array.from({ length: 4 }, () => new V3Client({ endpoints: [etcd.endpoint] }));
  });
  after(async () => {
    for (const c of clients) c.close();
    await etcd?.stop();
  });

  it('a 2-second load at 40 writes/s keeps its rate, writes the keys and draws the bar', async () => {
    let out = '';
    const cfg = { limit: 40, clients: 4, duration: 2 };
    const s = await runPerfLoad(clients, Buffer.from('/perf-test/'), cfg, (t) => (out += t), 0);
    assert.equal(s.errors.size, 0);
    assert.ok(s.rps > 30 && s.rps <= 45, `rate ${s.rps}`);
    assert.ok(s.slowest > 0 && s.slowest < 2);
    const key = Buffer.from('/perf-test/');
    const r = await clients[0]!.unary('kv', 'range', RangeRequest.fromPartial({ key, range_end: prefixRangeEnd(key), count_only: true }));
    assert.ok(r.count >= 70n && r.count <= 80n, `keys written: ${r.count}`);
    assert.ok(out.startsWith('\r 0 / 2    0.00%'), JSON.stringify(out.slice(0, 40)));
    assert.match(out, /\r 2 \/ 2  100\.00% 2s\n$/);
  });

  it('unknown load and a prefix holding keys fail as etcdctl', async () => {
    await runTool('etcdctl', etcd.endpoint, ['put', '/busy/x', 'y']);
    for (const args of [['check', 'perf', '--load', 'huge'], ['check', 'perf', '--prefix', '/busy/'], ['check', 'nosuch']]) {
      assert.deepEqual(await runTool('tetcdctl', etcd.endpoint, args), await runTool('etcdctl', etcd.endpoint, args), args.join(' '));
    }
  });
});
