// The checker on tiny hand-made histories whose answer is known: it must accept every
// linearizable one and reject every one that is not, including with unknown outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory, lostWrites, type Input, type Operation, type Output } from './index.js';

/** An operation by client c over [call, ret]; output undefined = unknown outcome. */
function op(c: number, call: number, ret: number, input: Input, output?: Output): Operation {
  return { client: c, call, ret, input, output };
}
const put = (key: string, value: string): Input => ({ kind: 'put', key, value });
const get = (key: string): Input => ({ kind: 'get', key });
const del = (key: string): Input => ({ kind: 'delete', key });
const cas = (key: string, expect: string | null, value: string): Input => ({ kind: 'cas', key, expect, value });
const ok: Output = { kind: 'put' };
const got = (value: string | null): Output => ({ kind: 'get', value });
const deleted = (n: number): Output => ({ kind: 'delete', deleted: n });
const casOut = (succeeded: boolean): Output => ({ kind: 'cas', succeeded });

test('sequential histories follow the register', () => {
  const h = [
    op(0, 0, 1, get('k'), got(null)),
    op(0, 2, 3, put('k', 'a'), ok),
    op(0, 4, 5, get('k'), got('a')),
    op(0, 6, 7, cas('k', 'a', 'b'), casOut(true)),
    op(0, 8, 9, cas('k', 'a', 'c'), casOut(false)),
    op(0, 10, 11, del('k'), deleted(1)),
    op(0, 12, 13, del('k'), deleted(0)),
    op(0, 14, 15, cas('k', null, 'd'), casOut(true)),
    op(0, 16, 17, get('k'), got('d')),
  ];
  assert.deepEqual(checkHistory(h), { linearizable: true });
});

test('a stale read after a completed write is not linearizable', () => {
  const h = [op(0, 0, 1, put('k', 'a'), ok), op(0, 2, 3, put('k', 'b'), ok), op(1, 4, 5, get('k'), got('a'))];
  const r = checkHistory(h);
  assert.equal(r.linearizable, false);
  assert.ok(r.linearizable === false && r.key === 'k' && r.explanation.includes('get(k)'), JSON.stringify(r));
});

test('concurrent operations may take effect in either order', () => {
  // the write of b overlaps both reads: one read sees it, the later one must too
  const h = [
    op(0, 0, 1, put('k', 'a'), ok),
    op(1, 2, 10, put('k', 'b'), ok),
    op(2, 3, 4, get('k'), got('b')),
    op(3, 5, 6, get('k'), got('b')),
  ];
  assert.equal(checkHistory(h).linearizable, true);
  // ...but a read after a read that saw b cannot go back to a
  const back = [...h.slice(0, 3), op(3, 5, 6, get('k'), got('a'))];
  assert.equal(checkHistory(back).linearizable, false);
  // two overlapping reads may see a and b in their (linearisation) order
  const both = [...h.slice(0, 2), op(2, 3, 6, get('k'), got('b')), op(3, 3, 6, get('k'), got('a'))];
  assert.equal(checkHistory(both).linearizable, true);
});

test('a read of a value never written is rejected', () => {
  assert.equal(checkHistory([op(0, 0, 1, get('k'), got('zz'))]).linearizable, false);
});

test('compare-and-set answers must match the value at their linearisation point', () => {
  // both CAS from a succeed while overlapping: impossible, only one can see a
  const h = [
    op(0, 0, 1, put('k', 'a'), ok),
    op(1, 2, 5, cas('k', 'a', 'x'), casOut(true)),
    op(2, 2, 5, cas('k', 'a', 'y'), casOut(true)),
  ];
  assert.equal(checkHistory(h).linearizable, false);
  const oneWins = [h[0]!, h[1]!, op(2, 2, 5, cas('k', 'a', 'y'), casOut(false)), op(3, 6, 7, get('k'), got('x'))];
  assert.equal(checkHistory(oneWins).linearizable, true);
  const wrongWinner = [...oneWins.slice(0, 3), op(3, 6, 7, get('k'), got('y'))];
  assert.equal(checkHistory(wrongWinner).linearizable, false);
});

test('delete counts must match whether the key existed', () => {
  assert.equal(checkHistory([op(0, 0, 1, del('k'), deleted(1))]).linearizable, false);
  assert.equal(checkHistory([op(0, 0, 1, put('k', 'a'), ok), op(0, 2, 3, del('k'), deleted(0))]).linearizable, false);
});

test('an unknown write may take effect any time after its call, or never', () => {
  const lost = op(0, 0, 1, put('k', 'a'), undefined);
  // seen much later than its (unknown) return: fine
  assert.equal(checkHistory([lost, op(1, 100, 101, get('k'), got('a'))]).linearizable, true);
  // never seen: fine
  assert.equal(checkHistory([lost, op(1, 100, 101, get('k'), got(null))]).linearizable, true);
  // but never before its call
  assert.equal(checkHistory([op(1, 0, 1, get('k'), got('a')), op(0, 2, 3, put('k', 'a'), undefined)]).linearizable, false);
  // and once seen it stays (no later read may go back to absent)
  assert.equal(
    checkHistory([lost, op(1, 5, 6, get('k'), got('a')), op(1, 7, 8, get('k'), got(null))]).linearizable,
    false,
  );
  // an unknown CAS either did its swap or not, by the value it met
  const h = [op(0, 0, 1, put('k', 'a'), ok), op(1, 2, 3, cas('k', 'a', 'b'), undefined), op(2, 50, 51, get('k'), got('b'))];
  assert.equal(checkHistory(h).linearizable, true);
  const cannotSwap = [op(0, 0, 1, put('k', 'c'), ok), h[1]!, h[2]!];
  assert.equal(checkHistory(cannotSwap).linearizable, false);
});

test('keys are independent: an anomaly on one key is reported with that key', () => {
  const h = [
    op(0, 0, 1, put('a', '1'), ok),
    op(0, 2, 3, put('b', '1'), ok),
    op(1, 4, 5, get('a'), got('1')),
    op(1, 6, 7, get('b'), got(null)),
  ];
  const r = checkHistory(h);
  assert.ok(r.linearizable === false && r.key === 'b', JSON.stringify(r));
});

test('many overlapping unknown writes, few of them seen, are decided quickly', () => {
  // 40 clients time out on a put (as when the leader dies); later reads see only two of them
  const h: Operation[] = [];
  for (let c = 0; c < 40; c++) h.push(op(c, c, c + 1, put('k', `v${c}`), undefined));
  for (let i = 0; i < 20; i++) h.push(op(100, 1000 + 2 * i, 1001 + 2 * i, get('k'), got(i < 10 ? 'v5' : 'v11')));
  // decided (not 'unknown') within the checker's step budget, whatever the machine's speed
  assert.equal(checkHistory(h).linearizable, true);
  // a read going back to the earlier value breaks it; proving that needs the full search, which
  // is exponential in the unknown writes, so this one has 12 of them
  const small = h.filter((o) => o.output !== undefined || Number(o.input.kind === 'put' && o.input.value.slice(1)) < 12);
  small.push(op(100, 5000, 5001, get('k'), got('v5')));
  assert.equal(checkHistory(small).linearizable, false);
});

test('the step budget turns an intractable search into unknown, not a verdict', () => {
  const h: Operation[] = [];
  for (let c = 0; c < 20; c++) h.push(op(c, 0, 100, put('k', `v${c}`), ok));
  h.push(op(99, 200, 201, get('k'), got('nope')));
  const r = checkHistory(h, { maxStepsPerKey: 50 });
  assert.equal(r.linearizable, 'unknown');
});

test('lostWrites names acknowledged writes missing at the end', () => {
  const h = [
    op(0, 0, 1, put('a', '1'), ok),
    op(0, 2, 3, put('a', '2'), ok),
    op(1, 0, 1, put('b', '1'), ok),
    op(2, 0, 1, put('c', '1'), ok),
    op(2, 5, 6, put('c', '2'), undefined), // may have overwritten c=1
    op(3, 0, 1, put('d', '1'), ok),
    op(3, 2, 3, del('d'), deleted(1)),
    op(4, 0, 1, cas('e', null, '1'), casOut(true)),
  ];
  assert.deepEqual(lostWrites(h, new Map([['a', '2'], ['b', '1'], ['c', '2'], ['e', '1']])), []);
  const lost = lostWrites(h, new Map([['a', '1'], ['c', '1'], ['d', 'x']]));
  // a=2 overwrote a=1 and is gone; b=1 gone; d's delete undone; e's CAS gone. c=1 is still there.
  assert.equal(lost.length, 4, lost.join('\n'));
  assert.ok(lost.some((l) => l.includes('put(a, "2")')));
  assert.ok(lost.some((l) => l.includes('put(b, "1")')));
  assert.ok(lost.some((l) => l.includes('delete(d)')));
  assert.ok(lost.some((l) => l.includes('cas(e')));
});
