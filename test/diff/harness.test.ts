// The harness itself: ports, process start/stop bounds, etcdctl capture.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { etcdctl, freePorts, makeTempDir, removeDir, startServer } from '../helpers/index.js';

test('freePorts gives distinct loopback ports', async () => {
  const ports = await freePorts(4);
  assert.equal(new Set(ports).size, 4);
  for (const p of ports) assert.ok(p > 0 && p < 65536);
});

test('startServer rejects with the stderr when the process exits before it is ready', async () => {
  await assert.rejects(
    startServer({ command: process.execPath, args: ['-e', 'console.error("boom"); process.exit(3)'], healthUrl: 'http://127.0.0.1:1/health' }),
    /exited before it was ready; stderr:\nboom/,
  );
});

test('startServer gives up after the readiness bound and kills the process', async () => {
  const started = Date.now();
  await assert.rejects(
    startServer({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], healthUrl: 'http://127.0.0.1:1/health', readyTimeoutMs: 500 }),
    /not ready within the bound/,
  );
  assert.ok(Date.now() - started < 5_000);
});

test('startServer takes the ready line on stderr as readiness; stop() ends the process', async () => {
  const proc = await startServer({
    command: process.execPath,
    args: ['-e', 'console.error(JSON.stringify({msg: "ready to serve client requests"})); setInterval(() => {}, 1000)'],
    healthUrl: 'http://127.0.0.1:1/health',
  });
  await proc.stop();
  assert.equal(await proc.exited, null); // ended by SIGTERM
});

test('temp dirs are created under the OS temp dir and removed', async () => {
  const dir = await makeTempDir('harness');
  assert.ok(existsSync(dir));
  await removeDir(dir);
  assert.ok(!existsSync(dir));
});

test('etcdctl results carry stdout, stderr and the exit code', { skip: existsSync('/usr/bin/etcdctl') ? false : 'etcdctl not installed' }, async () => {
  const res = await etcdctl('127.0.0.1:1', ['get'], { timeoutMs: 5_000 });
  assert.equal(res.code, 128);
  assert.match(res.stderr, /get command needs one argument/);
  assert.equal(res.timedOut, false);
});
