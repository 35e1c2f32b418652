// The store against a plain in-memory model: random puts, deletes, multi-op transactions,
// compactions and ranges (current and historical) must agree. Bounded: few runs, short sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCompacted } from '../../src/mvcc/index.js';
import { b, openEnv } from './helpers.js';

interface ModelKv {
  value: string;
  create: number;
  mod: number;
  ver: number;
}
type State = Map<string, ModelKv>;

const KEYS = ['a', 'ab', 'b', 'ba', 'c'];
const key = fc.constantFrom(...KEYS);
const end = fc.constantFrom('', '\0', 'b', 'c', 'z', 'a');

type Op =
  | { t: 'put'; k: string; v: string }
  | { t: 'del'; k: string; end: string }
  | { t: 'txn'; ops: Array<{ k: string; v?: string }> }
  | { t: 'compact'; back: number }
  | { t: 'range'; k: string; end: string; back: number; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 3 }) }),
  fc.record({ t: fc.constant('del' as const), k: key, end }),
  fc.record({
    t: fc.constant('txn' as const),
    ops: fc.array(fc.record({ k: key, v: fc.option(fc.string({ maxLength: 2 }), { nil: undefined }) }), { maxLength: 3 }),
  }),
  fc.record({ t: fc.constant('compact' as const), back: fc.nat(3) }),
  fc.record({ t: fc.constant('range' as const), k: key, end, back: fc.nat(4), limit: fc.nat(3) }),
);

function inRange(k: string, from: string, to: string): boolean {
  if (to === '') return k === from;
  if (to === '\0') return k >= from;
  return k >= from && k < to;
}

test('store agrees with an in-memory model (random histories)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const env = openEnv({ compactionPauseMs: 0 });
      try {
        const history: State[] = [new Map(), new Map()]; // index = revision
        let compactRev = -1;
        let ci = 0;
        const current = () => history[history.length - 1]!;
        const commit = (next: State, changed: boolean) => {
          if (changed) history.push(next);
        };
        const modelPut = (s: State, k: string, v: string, rev: number) => {
          const prev = s.get(k);
          s.set(k, { value: v, create: prev ? prev.create : rev, mod: rev, ver: (prev?.ver ?? 0) + 1 });
        };
        for (const o of ops) {
          const rev = history.length; // the next revision
          if (o.t === 'put') {
            env.kv.write(++ci, (t) => t.put(b(o.k), b(o.v), 0n));
            const s = new Map(current());
            modelPut(s, o.k, o.v, rev);
            commit(s, true);
          } else if (o.t === 'del') {
            const r = env.kv.write(++ci, (t) => t.deleteRange(b(o.k), b(o.end)));
            const s = new Map(current());
            const gone = [...s.keys()].filter((k) => inRange(k, o.k, o.end));
            for (const k of gone) s.delete(k);
            assert.equal(r.deleted, gone.length);
            commit(s, gone.length > 0);
          } else if (o.t === 'txn') {
            env.kv.write(++ci, (t) => {
              for (const x of o.ops) if (x.v === undefined) t.deleteRange(b(x.k), undefined); else t.put(b(x.k), b(x.v), 0n);
            });
            const s = new Map(current());
            let changed = false;
            for (const x of o.ops) {
              if (x.v === undefined) changed = s.delete(x.k) || changed;
              else {
                modelPut(s, x.k, x.v, rev);
                changed = true;
              }
            }
            commit(s, changed);
          } else if (o.t === 'compact') {
            const at = env.kv.rev() - o.back;
            if (at > compactRev && at >= 1) {
              await env.kv.compact(at);
              compactRev = at;
            }
          } else {
            const at = env.kv.rev() - o.back;
            if (at < 1) continue;
            const want = [...history[at]!.entries()]
              .filter(([k]) => inRange(k, o.k, o.end))
              .sort(([x], [y]) => (x < y ? -1 : 1));
            if (at < compactRev) {
              assert.throws(() => env.kv.range(b(o.k), b(o.end), { rev: at }), isCompacted);
              continue;
            }
            const got = env.kv.range(b(o.k), b(o.end), { rev: at, limit: o.limit });
            assert.equal(got.count, want.length);
            // count-only (at the latest revision it reads only the index's last generations)
            assert.equal(env.kv.range(b(o.k), b(o.end), { rev: at, countOnly: true }).count, want.length);
            assert.equal(env.kv.range(b(o.k), b(o.end), { countOnly: true }).count, [...current().keys()].filter((k) => inRange(k, o.k, o.end)).length);
            const expect = (o.limit > 0 ? want.slice(0, o.limit) : want).map(([k, v]) => [k, v.value, v.create, v.mod, v.ver]);
            const actual = got.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), Number(kv.create_revision), Number(kv.mod_revision), Number(kv.version)]);
            assert.deepEqual(actual, expect);
          }
          assert.equal(env.kv.rev(), history.length - 1);
        }
        // after a restart the current state is the same
        const before = env.kv.range(b('\0'), Buffer.from([0]));
        await env.reopen();
        assert.deepEqual(env.kv.range(b('\0'), Buffer.from([0])), before);
      } finally {
        await env.cleanup();
      }
    }),
    { numRuns: 40 },
  );
});
