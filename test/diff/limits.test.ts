// Request limits, set to the same small values on both servers.
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/index.js';

const MAX_REQUEST_BYTES = 4096;
const MAX_TXN_OPS = 4;
const suite = diffSuite({ extraFlags: [`--max-request-bytes=${MAX_REQUEST_BYTES}`, `--max-txn-ops=${MAX_TXN_OPS}`] });

suite.sequence('a request over --max-request-bytes is refused', async (s) => {
  await s.ctl(['put', 'lim1/small'], { stdin: 'x'.repeat(MAX_REQUEST_BYTES - 100) });
  const big = await s.ctl(['put', 'lim1/big'], { stdin: 'x'.repeat(MAX_REQUEST_BYTES + 1) });
  assert.equal(big.code, 1);
  assert.match(big.stderr, /etcdserver: request is too large/);
  await s.ctl(['txn'], { stdin: `\nput lim1/t1 ${'y'.repeat(3000)}\nput lim1/t2 ${'y'.repeat(3000)}\n\n\n` });
  await s.ctl(['get', 'lim1/', '--prefix', '--keys-only']);
});

suite.sequence('a request over the gRPC receive limit (max-request-bytes + 512 KiB)', async (s) => {
  // Above the transport limit the gRPC layer refuses the message before etcd's own check.
  await s.ctl(['put', 'lim2/huge'], { stdin: 'z'.repeat(MAX_REQUEST_BYTES + 600 * 1024) });
  await s.ctl(['get', 'lim2/huge', '-w', 'json']);
});

suite.sequence('a txn over --max-txn-ops is refused', async (s) => {
  const ops = (n: number) => Array.from({ length: n }, (_, i) => `put lim3/${i} v\n`).join('');
  await s.ctl(['txn'], { stdin: `\n${ops(MAX_TXN_OPS)}\n\n` });
  const over = await s.ctl(['txn'], { stdin: `\n${ops(MAX_TXN_OPS + 1)}\n\n` });
  assert.match(over.stderr, /etcdserver: too many operations in txn request/);
  await s.ctl(['txn'], { stdin: `\n${ops(2)}\n${ops(3)}\n` }); // each branch counts on its own
  await s.ctl(['get', 'lim3/', '--prefix', '--keys-only']);
});
