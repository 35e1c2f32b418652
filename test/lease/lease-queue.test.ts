import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseExpiryQueue, LeaseQueue } from '../../src/lease/lease-queue.js';

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

test('pops in time order, ties by ID', () => {
  const q = new LeaseQueue();
  const rand = rng(7);
  const items = Array.from({ length: 200 }, (_, i) => ({ id: BigInt(i), time: Math.floor(rand() * 50) }));
  for (const it of items) q.push(it);
  const want = [...items].sort((a, b) => a.time - b.time || Number(a.id - b.id));
  const got = Array.from({ length: items.length }, () => q.pop());
  assert.deepEqual(got.map((x) => [x?.id, x?.time]), want.map((x) => [x.id, x.time]));
  assert.equal(q.pop(), undefined);
});

test('the expiry queue keeps one entry per lease: updates move it, unregister removes it', () => {
  const q = new LeaseExpiryQueue();
  const rand = rng(11);
  const times = new Map<bigint, number>();
  for (let i = 0; i < 300; i++) {
    const id = BigInt(Math.floor(rand() * 60));
    if (rand() < 0.2) {
      q.unregister(id);
      times.delete(id);
    } else {
      const t = Math.floor(rand() * 1000);
      q.registerOrUpdate(id, t);
      times.set(id, t);
    }
    assert.equal(q.length, times.size);
    const min = Math.min(...times.values());
    assert.equal(q.peek()?.time, times.size ? min : undefined);
  }
  // drain through unregister: always the earliest left
  const order: number[] = [];
  for (let top = q.peek(); top; top = q.peek()) {
    order.push(top.time);
    q.unregister(top.id);
  }
  assert.deepEqual(order, [...times.values()].sort((a, b) => a - b));
});
