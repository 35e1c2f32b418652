// etcdctl's lock and elect, which build on leases, txns on create revisions and watches.
// Both block, so they run in the background with bounded lifetimes.
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/index.js';

const suite = diffSuite();
const WAIT_MS = 8_000;

suite.sequence('lock runs a command while holding the lock', async (s) => {
  assert.equal((await s.ctl(['lock', 'cc1', 'echo', 'locked'])).stdout, 'locked\n');
  await s.ctl(['lock', 'cc1', 'sh', '-c', 'exit 3']); // the command's exit status is etcdctl's
  await s.ctl(['get', 'cc1', '--prefix', '--keys-only']); // released: nothing left
});

suite.sequence('a second locker waits until the first releases', async (s) => {
  const first = s.background(['lock', 'cc2']);
  assert.ok(await first.waitFor(/^cc2\/[0-9a-f]+\n/, WAIT_MS), `first lock: ${first.stdout()} ${first.stderr()}`);
  const second = s.background(['lock', 'cc2']);
  await s.waitForKeyCount('cc2/', 2);
  await s.ctl(['get', 'cc2/', '--prefix', '--keys-only', '--sort-by=CREATE']);
  const firstDone = await first.stop(); // releases the lock (etcdctl closes its session)
  s.recordBackground(['lock', 'cc2'], firstDone);
  assert.ok(await second.waitFor(/^cc2\/[0-9a-f]+\n/, WAIT_MS), `second lock: ${second.stdout()} ${second.stderr()}`);
  s.recordBackground(['lock', 'cc2', '(second)'], await second.stop());
  await s.ctl(['get', 'cc2/', '--prefix', '--keys-only']);
});

suite.sequence('elect: campaign, observe the leader, resign', async (s) => {
  const leader = s.background(['elect', 'cc3', 'p1']);
  assert.ok(await leader.waitFor(/^cc3\/[0-9a-f]+\np1\n/, WAIT_MS), `elect: ${leader.stdout()} ${leader.stderr()}`);
  const observer = s.background(['elect', '--listen', 'cc3']);
  assert.ok(await observer.waitFor(/p1\n/, WAIT_MS), `listen: ${observer.stdout()} ${observer.stderr()}`);
  const candidate = s.background(['elect', 'cc3', 'p2']); // waits behind p1
  await s.waitForKeyCount('cc3/', 2);
  await s.ctl(['get', 'cc3/', '--prefix', '--sort-by=CREATE', '--print-value-only']);
  s.recordBackground(['elect', 'cc3', 'p1'], await leader.stop());
  assert.ok(await candidate.waitFor(/p2\n/, WAIT_MS), `candidate: ${candidate.stdout()} ${candidate.stderr()}`);
  assert.ok(await observer.waitFor(/p1\n(.|\n)*p2\n/, WAIT_MS), `listen: ${observer.stdout()}`);
  s.recordBackground(['elect', 'cc3', 'p2'], await candidate.stop());
  // Stopped by SIGTERM: whether etcdctl prints its own "context canceled" before exiting is a
  // race inside etcdctl (seen against both servers), so that line is not compared.
  const stopped = await observer.stop();
  const stderr = stopped.stderr.replace(/^.*context canceled.*\n?/gm, '');
  s.recordBackground(['elect', '--listen', 'cc3'], { ...stopped, stderr });
  await s.ctl(['get', 'cc3/', '--prefix', '--keys-only']);
});
