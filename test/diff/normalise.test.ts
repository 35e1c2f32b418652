// The normaliser removes what legitimately differs between servers and keeps what must not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Normaliser, parseJsonOutput } from '../helpers/index.js';

const identity = { clusterId: 0x1234567890abcdefn, memberId: 0xfedcba0987654321n, clientPort: 40001, peerPort: 40002 };

test('JSON: IDs, terms and sizes become placeholders; revisions become relative; values stay', () => {
  const n = new Normaliser(identity, 10);
  const out = n.ctl({
    code: 0,
    stderr: '',
    stdout:
      `{"header":{"cluster_id":${identity.clusterId},"member_id":${identity.memberId},"revision":13,"raft_term":2},` +
      '"kvs":[{"key":"Zm9v","create_revision":11,"mod_revision":13,"version":2,"value":"YmFy","lease":7587869405839393284}],"count":1}\n',
  });
  assert.deepEqual(out.stdout, {
    header: { cluster_id: '<cluster>', member_id: '<member>', revision: '@3', raft_term: '<term>' },
    kvs: [{ key: 'Zm9v', create_revision: '@1', mod_revision: '@3', version: 2, value: 'YmFy', lease: 'L1' }],
    count: 1,
  });
});

test('a different revision, value or version is still a difference', () => {
  const a = new Normaliser(identity, 10).value({ revision: 13, version: 2, value: 'x' });
  assert.notDeepEqual(a, new Normaliser(identity, 10).value({ revision: 14, version: 2, value: 'x' }));
  assert.notDeepEqual(a, new Normaliser(identity, 10).value({ revision: 13, version: 3, value: 'x' }));
  assert.notDeepEqual(a, new Normaliser(identity, 10).value({ revision: 13, version: 2, value: 'y' }));
  // The same history from another start revision is equal.
  assert.deepEqual(a, new Normaliser(identity, 20).value({ revision: 23, version: 2, value: 'x' }));
});

test('lease IDs map to L1, L2 in order of appearance, in hex text and decimal JSON alike', () => {
  const n = new Normaliser(identity, 0);
  assert.equal(n.text('lease 694d7bd8e3b27c04 granted with TTL(60s)\n'), 'lease L1 granted with TTL(60s)\n');
  assert.deepEqual(n.value({ ID: 0x694d7bd8e3b27c04n, other: { lease: 0x694d7bd8e3b27c05n } }), { ID: 'L1', other: { lease: 'L2' } });
  assert.equal(n.text('lease 000000001234abcd already expired'), 'lease L3 already expired');
  assert.equal(n.text('lock/694d7bd8e3b27c05\n'), 'lock/L2\n');
  assert.equal(n.value(0, {}, 'lease'), 0);
});

test('text: members, ports, sizes, remaining TTLs and timings; decimal hashes kept', () => {
  const n = new Normaliser(identity, 5);
  assert.equal(
    n.text(`127.0.0.1:40001, ${identity.memberId.toString(16)}, 3.4.23, 20 kB, true\n`),
    '<client>, <member>, 3.4.23, <size>, true\n',
  );
  assert.equal(n.text('http://127.0.0.1:40002'), 'http://<peer>');
  assert.equal(n.text('remaining(59s) took = 5.61ms'), 'remaining(<remaining>) took = <time>');
  assert.equal(n.text('127.0.0.1:40001, 3581052765'), '<client>, 3581052765');
  assert.equal(n.text('compacted revision 8'), 'compacted revision @3');
  assert.equal(n.text('attached keys([b a c])'), 'attached keys([a b c])'); // a Go map's order
  assert.deepEqual(n.value({ keys: ['Yg==', 'YQ=='] }), { keys: ['YQ==', 'Yg=='] });
  assert.equal(n.args(['get', 'k', '--rev=7', '']), 'get k --rev=@2 ""');
  assert.equal(n.args(['get', 'k', '--rev=0']), 'get k --rev=0');
  assert.equal(n.args(['compaction', '9']), 'compaction @4');
});

test('stderr keeps error lines and the gRPC error of warning lines, without timestamps', () => {
  const n = new Normaliser(identity, 0);
  const stderr =
    '{"level":"warn","ts":"2026-11-26T20:09:35.668Z","msg":"retrying of unary invoker failed","target":"endpoint://client-1/127.0.0.1:40001","attempt":0,"error":"rpc error: code = OutOfRange desc = etcdserver: mvcc: required revision is a future revision"}\n' +
    '{"level":"info","ts":1795724357.9,"msg":"saved","path":"/tmp/x"}\n' +
    'Error: etcdserver: mvcc: required revision is a future revision\n';
  assert.deepEqual(n.errorLines(stderr), [
    'grpc: rpc error: code = OutOfRange desc = etcdserver: mvcc: required revision is a future revision',
    'Error: etcdserver: mvcc: required revision is a future revision',
  ]);
});

test('uint64 IDs in etcdctl JSON keep their precision; streams parse line by line; text is not JSON', () => {
  assert.deepEqual(parseJsonOutput('{"ID":18446744073709551615,"s":"12345678901234567890"}'), {
    ID: 18446744073709551615n,
    s: '12345678901234567890',
  });
  assert.deepEqual(parseJsonOutput('{"a":1}\n{"a":2}\n'), [{ a: 1 }, { a: 2 }]);
  assert.equal(parseJsonOutput('OK\n'), undefined);
});

test('ignored fields and string-encoded int64s', () => {
  const n = new Normaliser(identity, 100);
  assert.deepEqual(n.value({ hash: 123, revision: '105', TTL: '599' }, { ignore: ['hash'] }), {
    hash: '<ignored>',
    revision: '@5',
    TTL: '599',
  });
});
