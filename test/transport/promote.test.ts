// Forwarded learner promotion on the peer port: the texts and status codes on the wire are
// etcd's internal ones (a real etcd follower matches on them), and the client side turns them
// back into the errors tetcd's clients see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { promoteMemberAt, PROMOTE_PATH_PREFIX, serveMemberPromote } from '../../src/transport/promote.js';
import type { PeerMember } from '../../src/transport/types.js';

const local = { memberId: 0x1n, clusterId: 0x2n, urls: () => ['http://127.0.0.1:1'] };

async function serve(promote: (id: bigint) => Promise<PeerMember[]>): Promise<{ server: Server; url: URL }> {
  const server = createServer((req, res) => void serveMemberPromote(req, res, new URL(req.url!, 'http://x').pathname, promote));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { server, url: new URL(`http://127.0.0.1:${port}`) };
}

async function raw(url: URL, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(new URL(path, url), { method: 'POST' });
  return { status: r.status, body: (await r.text()).trim() };
}

test('refusals use etcd’s peer texts and codes, and come back as the client-facing errors', async () => {
  const cases: Array<[string, number, string, string]> = [
    ['etcdserver: can only promote a learner member which is in sync with leader', 412, 'etcdserver: can only promote a learner member which is in sync with leader', 'etcdserver: can only promote a learner member which is in sync with leader'],
    ['etcdserver: can only promote a learner member', 412, 'membership: can only promote a learner member', 'etcdserver: can only promote a learner member'],
    ['etcdserver: member not found', 404, 'membership: ID not found', 'etcdserver: member not found'],
    ['etcdserver: request timed out', 408, 'etcdserver: request timed out', 'etcdserver: request timed out'],
  ];
  for (const [thrown, status, wire, back] of cases) {
    const { server, url } = await serve(async () => {
      throw new Error(thrown);
    });
    try {
      assert.deepEqual(await raw(url, `${PROMOTE_PATH_PREFIX}42`), { status, body: wire });
      await assert.rejects(promoteMemberAt(url, local, 42n, {}), (err: Error & { status?: number }) => err.name === 'PromoteRefusedError' && err.message === back && err.status === status);
    } finally {
      server.close();
    }
  }
});

test('an unparsable ID is an unknown member (404), as etcd answers it; success returns the member list', async () => {
  let asked = 0n;
  const { server, url } = await serve(async (id) => {
    asked = id;
    return [{ id: 18446744073709551615n, name: 'm1', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [], isLearner: false }];
  });
  try {
    assert.deepEqual(await raw(url, `${PROMOTE_PATH_PREFIX}zz`), { status: 404, body: 'member zz not found in cluster' });
    const members = await promoteMemberAt(url, local, 12345678901234567890n, {});
    assert.equal(asked, 12345678901234567890n);
    assert.equal(members[0]!.id, 18446744073709551615n, 'uint64 IDs survive the JSON');
    assert.equal(members[0]!.name, 'm1');
  } finally {
    server.close();
  }
});

test('an unexpected failure is not taken for a refusal (the follower retries it)', async () => {
  const { server, url } = await serve(async () => {
    throw new Error('etcdserver: not leader');
  });
  try {
    await assert.rejects(promoteMemberAt(url, local, 7n, {}), (err: Error) => err.name !== 'PromoteRefusedError' && /unknown error\(etcdserver: not leader\)/.test(err.message));
  } finally {
    server.close();
  }
});
