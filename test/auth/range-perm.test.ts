// RangePermissions: etcd's interval semantics (range_perm_cache_test.go cases and more).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RangePermissions } from '../../src/auth/index.js';
import type { Permission } from '../../src/proto/auth/authpb/auth.js';
import { b, READ, READWRITE, WRITE } from './helpers.js';

const perm = (permType: number, key: string, rangeEnd = ''): Permission => ({ permType, key: b(key), range_end: b(rangeEnd) });

test('a range is permitted only when the permitted intervals cover it without a gap', () => {
  const rp = RangePermissions.merge([[perm(READ, 'a', 'c'), perm(READ, 'c', 'e')], [perm(READ, 'x', 'z')]]);
  assert.equal(rp.permits('read', b('a'), b('e')), true, 'adjacent intervals join');
  assert.equal(rp.permits('read', b('b'), b('d')), true);
  assert.equal(rp.permits('read', b('a'), b('f')), false);
  assert.equal(rp.permits('read', b('d'), b('y')), false, 'gap between e and x');
  assert.equal(rp.permits('read', b('x'), b('z')), true);
  assert.equal(rp.permits('write', b('a'), b('b')), false);
});

test('etcd range_perm_cache_test: overlapping and nested intervals', () => {
  const rp = RangePermissions.merge([[perm(READ, 'a', 'b'), perm(READ, 'b', 'c'), perm(READ, 'a', 'e'), perm(READ, 'd', 'f')]]);
  assert.equal(rp.permits('read', b('a'), b('f')), true);
  assert.equal(rp.permits('read', b('a'), b('g')), false);
  const gap = RangePermissions.merge([[perm(READ, 'a', 'b'), perm(READ, 'c', 'd')]]);
  assert.equal(gap.permits('read', b('a'), b('d')), false);
});

test('a single-key permission allows that key only, also as the range [key, key+"\\0")', () => {
  const rp = RangePermissions.merge([[perm(WRITE, 'foo')]]);
  assert.equal(rp.permits('write', b('foo'), b('')), true);
  assert.equal(rp.permits('write', b('foo0'), b('')), false);
  assert.equal(rp.permits('write', b('fo'), b('')), false);
  assert.equal(rp.permits('write', b('foo'), Buffer.from('foo\0')), true);
  assert.equal(rp.permits('write', b('foo'), b('fop')), false);
});

test('range_end "\\0" means every key >= key, for permissions and for requests', () => {
  const rp = RangePermissions.merge([[perm(READWRITE, 'm', '\0')]]);
  assert.equal(rp.permits('read', b('m'), b('')), true);
  assert.equal(rp.permits('read', b('\xff\xff'), b('')), true);
  assert.equal(rp.permits('read', b('m'), b('\0')), true);
  assert.equal(rp.permits('read', b('l'), b('\0')), false);
  assert.equal(rp.permits('write', b('zz'), b('\0')), true);
  const bounded = RangePermissions.merge([[perm(READ, 'm', 'z')]]);
  assert.equal(bounded.permits('read', b('m'), b('\0')), false, 'a bounded permission never covers a from-key request');
});

test('READWRITE grants both, READ and WRITE one each; roles merge', () => {
  const rp = RangePermissions.merge([[perm(READ, 'r')], [perm(WRITE, 'w')], [perm(READWRITE, 'rw')]]);
  assert.deepEqual(
    ['r', 'w', 'rw'].map((k) => [rp.permits('read', b(k), b('')), rp.permits('write', b(k), b(''))]),
    [[true, false], [false, true], [true, true]],
  );
});

test('no permissions: nothing is permitted', () => {
  const rp = RangePermissions.merge([]);
  assert.equal(rp.permits('read', b('a'), b('')), false);
  assert.equal(rp.permits('read', b('\0'), b('\0')), false);
});
