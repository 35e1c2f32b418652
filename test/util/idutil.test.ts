import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdGenerator } from '../../src/util/idutil.js';

test('the first ID is member(2 bytes) | time ms(5 bytes) | counter 1, as etcd (TestNewGenerator)', () => {
  const g = new IdGenerator(0x12n, 0x3456);
  assert.equal(g.next(), 0x12000000345601n);
});

test('only the low 16 bits of the member ID and low 40 bits of the time are used', () => {
  const g = new IdGenerator(0xabcd_0000_0000_1234n, 2 ** 40 + 0x99);
  assert.equal(g.next(), 0x1234_0000_0000_9901n);
});

test('IDs increase by one per call (TestNext)', () => {
  const g = new IdGenerator(0x12n, 0x3456);
  for (let i = 0; i < 1000; i++) assert.equal(g.next(), 0x12000000345601n + BigInt(i));
});

test('the counter overflows into the timestamp, keeping the member prefix', () => {
  const g = new IdGenerator(0x7n, 0);
  const ids = Array.from({ length: 300 }, () => g.next());
  assert.equal(ids[254], 0x0007_0000_0000_00ffn);
  assert.equal(ids[255], 0x0007_0000_0000_0100n);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.equal(id >> 48n, 7n);
});

test('the 48-bit suffix wraps without touching the member prefix', () => {
  const g = new IdGenerator(0xffffn, 2 ** 40 - 1);
  const ids = Array.from({ length: 256 }, () => g.next());
  assert.equal(ids[254], 0xffff_ffff_ffff_ffffn);
  assert.equal(ids[255], 0xffff_0000_0000_0000n);
});

test('different members, or the same member restarted later, start from different IDs', () => {
  const a = new IdGenerator(1n, 1_700_000_000_000).next();
  assert.notEqual(a, new IdGenerator(2n, 1_700_000_000_000).next());
  assert.notEqual(a, new IdGenerator(1n, 1_700_000_000_001).next());
});
