import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { startNode, stopNode } from './fixture.js';
import { fetchMembers, fetchVersion, LeaseNotFoundError, type PeerMember } from '../../src/transport/index.js';
import { membersJson, parseMembersJson } from '../../src/transport/members.js';

async function get(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, { headers }, resolve).on('error', reject));
  let body = '';
  for await (const c of res) body += String(c);
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}

test('members JSON is etcd\'s: uint64 IDs as exact JSON numbers, omitempty name and clientURLs', () => {
  const ms: PeerMember[] = [
    { id: 13668033151171901709n, name: 'e1', peerURLs: ['http://127.0.0.1:23801'], clientURLs: ['http://127.0.0.1:23791'] },
    { id: 0x10n, name: '', peerURLs: ['http://127.0.0.1:23802'], clientURLs: [] },
  ];
  // The first line is what a real etcd 3.4.23 answered on GET /members.
  assert.equal(
    membersJson(ms),
    '[{"id":13668033151171901709,"peerURLs":["http://127.0.0.1:23801"],"name":"e1","clientURLs":["http://127.0.0.1:23791"]},{"id":16,"peerURLs":["http://127.0.0.1:23802"]}]\n',
  );
  assert.deepEqual(parseMembersJson(membersJson(ms)), ms);
});

test('GET /members and /version on the peer port, with and without a cluster ID', async () => {
  const n = await startNode(0xfedcba9876543210n);
  try {
    const r = await fetchMembers(n.url);
    assert.equal(r.clusterId, 0xc0ffee11n);
    assert.deepEqual(r.members, [{ id: 0xfedcba9876543210n, name: `m${0xfedcba9876543210n}`, peerURLs: [n.url], clientURLs: [] }]);
    assert.deepEqual(await fetchVersion(n.url), { etcdserver: '3.4.23', etcdcluster: '3.4.0' });
    const raw = await get(`${n.url}/version`);
    assert.equal(raw.body, '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
    assert.equal(raw.headers['content-type'], 'application/json');
    assert.equal((await get(`${n.url}/members`, { 'x-etcd-cluster-id': '1' })).status, 412);
    assert.equal((await get(`${n.url}/leases`)).status, 412, 'non-discovery paths need the cluster ID');
    assert.equal((await get(`${n.url}/leases`, { 'x-etcd-cluster-id': 'c0ffee11' })).status, 405);
    assert.equal((await get(`${n.url}/nope`, { 'x-etcd-cluster-id': 'c0ffee11' })).status, 404);
  } finally {
    await stopNode(n);
  }
});

test('lease renewals are forwarded to the leader over /leases', async () => {
  const renewed: bigint[] = [];
  const leader = await startNode(1n, {
    onLeaseRenew: async (id) => {
      if (id === 404n) throw new Error('lease not found');
      if (id === 500n) throw new Error('etcdserver: not leader');
      renewed.push(id);
      return 30;
    },
  });
  const follower = await startNode(2n);
  try {
    follower.transport.addPeer(1n, [leader.url]);
    const big = 0x7fffffffffffff01n;
    assert.equal(await follower.transport.renewLease(1n, big), 30);
    assert.deepEqual(renewed, [big]);
    await assert.rejects(follower.transport.renewLease(1n, 404n), LeaseNotFoundError);
    await assert.rejects(follower.transport.renewLease(1n, 500n), /http status 400: etcdserver: not leader/);
    await assert.rejects(follower.transport.renewLease(3n, 1n), /unknown leader member 3/);
    // A member without a lease handler says so instead of pretending.
    leader.transport.addPeer(2n, [follower.url]);
    await assert.rejects(leader.transport.renewLease(2n, 1n), /http status 503/);
  } finally {
    await stopNode(follower);
    await stopNode(leader);
  }
});
