// mergeV2Export: an exported /v2/keys tree goes under the store's /1 only (never into /0, where
// the restore's members are), TTLs restart from the restore, bad exports are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeV2Export, parseV2Export, V2ImportError } from '../../src/backup/v2-import.js';
import { newV2Store, saveMemberToV2 } from '../../src/backup/raft-bootstrap.js';

const NOW = 1_700_000_000n * 1_000_000_000n;

function exportOf(nodes: unknown[]): string {
  return JSON.stringify({ action: 'get', node: { dir: true, nodes } });
}

test('the tree lands under /1 with values, dirs and TTLs from now; /0 keeps the restore\'s members', () => {
  const v2 = newV2Store();
  saveMemberToV2(v2, { id: 0x1234n, peerURLs: ['http://127.0.0.1:2380'] });
  const root = parseV2Export(exportOf([
    { key: '/a', dir: true, nodes: [{ key: '/a/b', value: 'B', ttl: 30, expiration: '2001-01-01T00:00:00Z' }] },
    { key: '/e', dir: true },
    // a hostile or odd key cannot climb out of /1 into the cluster's own /0
    { key: '/../0/members/dead/raftAttributes', value: '{"peerURLs":["http://evil"]}' },
  ]));
  const r = mergeV2Export(v2, root, NOW);
  assert.deepEqual(r, { nodes: 4, withTtl: 1 });
  assert.equal(v2.get('/1/a/b', false, false).node.value, 'B');
  assert.equal(v2.get('/1/e', false, false).node.dir, true);
  assert.equal(v2.internalGet('/1/a/b').expireTime, NOW + 30n * 1_000_000_000n, 'the TTL restarts at the restore, not the old expiration');
  assert.equal(v2.get('/1/0/members/dead/raftAttributes', false, false).node.value, '{"peerURLs":["http://evil"]}');
  const members = v2.get('/0/members', true, true).node.nodes ?? [];
  assert.deepEqual(members.map((n) => n.key), ['/0/members/1234'], 'membership untouched');
});

test('bad exports are refused', () => {
  assert.throws(() => parseV2Export('{nope'), V2ImportError);
  assert.throws(() => parseV2Export('{"action":"get"}'), /no root node/);
  assert.throws(() => mergeV2Export(newV2Store(), parseV2Export(exportOf([{ value: 'x' }])), NOW), /without a key/);
  assert.throws(() => mergeV2Export(newV2Store(), parseV2Export(exportOf([{ key: '/', value: 'x' }])), NOW), /named "\/"/);
});
