import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLeaseKey, decodeLeaseRecord, encodeLeaseKey, encodeLeaseRecord } from '../../src/lease/index.js';

test('a lease record is leasepb.Lease in etcd\'s bytes (zero fields left out)', () => {
  // gogo-proto marshals Lease{ID: 1, TTL: 10} as 08 01 10 0a
  assert.deepEqual(encodeLeaseRecord({ id: 1n, ttl: 10, remainingTtl: 0 }), Buffer.from('0801100a', 'hex'));
  assert.deepEqual(encodeLeaseRecord({ id: 0x1234n, ttl: 300, remainingTtl: 42 }), Buffer.from('08b42410ac02182a', 'hex'));
});

test('records round-trip, negative IDs included', () => {
  for (const r of [
    { id: 1n, ttl: 10, remainingTtl: 0 },
    { id: -5n, ttl: 9_000_000_000, remainingTtl: 8_999_999_999 },
    { id: 0x7fffffffffffffffn, ttl: 2, remainingTtl: 1 },
  ]) {
    assert.deepEqual(decodeLeaseRecord(encodeLeaseRecord(r)), r);
  }
});

test('the bucket key is the 8-byte big-endian two\'s complement of the ID', () => {
  assert.deepEqual(encodeLeaseKey(0x0102030405060708n), Buffer.from('0102030405060708', 'hex'));
  assert.deepEqual(encodeLeaseKey(-1n), Buffer.alloc(8, 0xff));
  for (const id of [1n, -1n, -0x8000000000000000n, 0x7fffffffffffffffn]) assert.equal(decodeLeaseKey(encodeLeaseKey(id)), id);
  assert.throws(() => decodeLeaseKey(Buffer.alloc(7)), /8 bytes/);
});
