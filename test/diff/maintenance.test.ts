// Maintenance and cluster commands: endpoint status/health, member list, alarms, defrag,
// snapshots and leader moves. Only revision-related and version fields of status are compared;
// sizes, raft terms and indexes, hashes of db files and timings are normalised away.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { diffSuite, makeTempDir, removeDir, type Session } from '../helpers/index.js';

const suite = diffSuite();

/** `endpoint status` simple line: endpoint, ID, version, db size, is leader, is learner, raft term, raft index, applied index, errors. */
function statusLine(stdout: string): string {
  return stdout.replace(/^(.*?, .*?, .*?, .*?, .*?, .*?), \d+, \d+, \d+, /gm, '$1, <term>, <index>, <index>, ');
}

suite.sequence('endpoint status and health', async (s) => {
  await s.ctl(['put', 'mt1/k', 'v']);
  const status = await s.ctl(['endpoint', 'status', '-w', 'json']);
  assert.match(status.stdout, /"version":"3\.4\.23"/);
  await s.ctl(['endpoint', 'status'], { transform: statusLine });
  await s.ctl(['endpoint', 'health', '-w', 'json'], { ignore: ['took'] });
  await s.ctl(['endpoint', 'health']);
});

suite.sequence('member list', async (s) => {
  await s.ctl(['member', 'list']);
  await s.ctl(['member', 'list', '-w', 'json']);
  await s.ctl(['member', 'list', '-w', 'table']);
});

suite.sequence('alarm list and disarm with no alarms', async (s) => {
  assert.equal((await s.ctl(['alarm', 'list'])).stdout, '');
  await s.ctl(['alarm', 'list', '-w', 'json']);
  await s.ctl(['alarm', 'disarm']);
  await s.ctl(['alarm', 'disarm', '-w', 'json']);
});

suite.sequence('defrag keeps the data', async (s) => {
  await s.ctl(['put', 'mt4/k', 'before defrag']);
  assert.match((await s.ctl(['defrag'])).stdout, /^Finished defragmenting etcd member\[/);
  await s.ctl(['get', 'mt4/k', '-w', 'json']);
  await s.ctl(['put', 'mt4/k', 'after defrag', '-w', 'json']);
});

async function snapshotSequence(s: Session): Promise<void> {
  await s.ctl(['put', 'mt5/a', '1']);
  await s.ctl(['put', 'mt5/b', '2']);
  await s.ctl(['del', 'mt5/a']);
  const dir = await makeTempDir('snapshot');
  s.norm.alias(dir, '<dir>'); // the directory differs per target
  try {
    const file = join(dir, 'snap.db');
    const saved = await s.ctl(['snapshot', 'save', file]);
    assert.equal(saved.code, 0, saved.stderr);
    // The db file's hash and size depend on its layout; revision and key count on the data.
    const status = await s.ctl(['snapshot', 'status', file, '-w', 'json'], { ignore: ['hash'] });
    assert.match(status.stdout, new RegExp(`"revision":${s.rev(3)}\\b`));
    const rel = (out: string) => out.replace(/^[0-9a-f]+, (\d+), /, (_, r: string) => `<hash>, ${s.norm.rel(Number(r))}, `);
    await s.ctl(['snapshot', 'status', file], { transform: rel });
    await s.ctl(['snapshot', 'save', join(dir, 'missing-dir', 'x.db')]);
  } finally {
    await removeDir(dir);
  }
}

suite.sequence('snapshot save, then snapshot status of the file', snapshotSequence);

suite.sequence('move-leader to itself and to an unknown member', async (s) => {
  await s.ctl(['move-leader', s.target.identity.memberId.toString(16)]);
  await s.ctl(['move-leader', '1234']);
  await s.ctl(['move-leader', 'zz']);
});
