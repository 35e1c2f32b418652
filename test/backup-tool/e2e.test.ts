// run → verify (--restore-test) → restore → same data, against tetcd and against the real etcd
// 3.4; with member config dirs, a static pod manifest, age recipients and passphrases, and
// Debian's `age -d` opening what we wrote.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseManifest } from '../../src/backup-tool/index.js';
import { etcdSkipReason, freePorts, makeTempDir, removeDir, startEtcd, startTetcd, tetcdSkipReason, TETCD_BIN, type Member } from '../helpers/index.js';
import { ageKeys, cli, dumpKeys, keysOfRestored, memberConfigDir, podManifest, putKeys } from './fixtures.js';

const MEMBERS = ['infra0', 'infra1', 'infra2'];

function onlySet(target: string): string {
  const sets = readdirSync(target).filter((n) => n.startsWith('etcd-backup-'));
  assert.equal(sets.length, 1, `one set in ${target}: ${sets.join(',')}`);
  return sets[0]!;
}


describe('tetcd-backup against tetcd', { skip: tetcdSkipReason() }, () => {
  let member: Member;
  let dir: string;
  before(async () => {
    member = await startTetcd();
    dir = await makeTempDir('backup-tool-tetcd');
    await putKeys(member.endpoint, 12);
  });
  after(async () => {
    await member?.stop();
    if (dir) await removeDir(dir);
  });

  it('backs up three members config dirs and the snapshot, verifies with a restore test, restores the same data and configs', async () => {
    const keys = ageKeys(dir);
    const target = join(dir, 'backups');
    const memberFlags: string[] = [];
    for (const m of MEMBERS) memberFlags.push('--member', `${m}=${await memberConfigDir(dir, m)}`);
    const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, ...memberFlags, '--recipients-file', keys.recipientsFile]);
    assert.equal(run.code, 0, run.stderr);
    const set = onlySet(target);
    assert.equal(run.stdout.trim(), set);
    const files = readdirSync(join(target, set)).sort();
    assert.deepEqual(files, ['config-infra0.tar.gz.age', 'config-infra1.tar.gz.age', 'config-infra2.tar.gz.age', 'manifest.json', 'snapshot.db.gz.age']);
    const manifest = parseManifest(readFileSync(join(target, set, 'manifest.json'), 'utf8'));
    assert.equal(manifest.snapshot.liveKeys, 11);
    assert.equal(manifest.members.length, 1);
    assert.equal(manifest.encryption, 'age-recipients');
    assert.ok(manifest.excluded.some((e) => e.what === 'v2 store'), 'v2 store recorded as not included');

    // Debian's age opens our snapshot; its plaintext is what the manifest hashed, with a valid trailer
    const snap = gunzipSync(execFileSync('age', ['-d', '-i', keys.identityFile, join(target, set, 'snapshot.db.gz.age')]));
    const entry = manifest.files.find((f) => f.kind === 'snapshot')!;
    assert.equal(createHash('sha256').update(snap).digest('hex'), entry.plainSha256);
    assert.equal(createHash('sha256').update(snap.subarray(0, snap.length - 32)).digest('hex'), manifest.snapshot.sha256Trailer);

    const verify = await cli(['verify', '--target', target, '--identity-file', keys.identityFile, '--restore-test']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /OK \(restore test: revision \d+, 11 keys/);

    const before = await dumpKeys(member.endpoint);
    const dataDir = join(dir, 'restored');
    const cfgTargets = MEMBERS.flatMap((m) => ['--config-target', `${m}=${join(dir, 'restored-etc', m)}`]);
    const restore = await cli(['restore', '--target', target, '--set', set, '--identity-file', keys.identityFile, '--name', 'difftest', '--data-dir', dataDir, ...cfgTargets]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /--initial-cluster=difftest=http:\/\/127\.0\.0\.1:\d+/);
    for (const m of MEMBERS) {
      const key = join(dir, 'restored-etc', m, 'ssl', `${m}.key`);
      assert.equal(readFileSync(key, 'utf8'), readFileSync(join(dir, `etc-${m}`, 'ssl', `${m}.key`), 'utf8'), `${m} gets its own key back`);
      assert.equal(statSync(key).mode & 0o777, 0o600, 'private key mode kept');
    }
    assert.deepEqual(await keysOfRestored(dataDir, 'difftest'), before);
  });

  it('refuses to run without a key unless --no-encrypt, and fails cleanly on an unreachable endpoint', async () => {
    const target = join(dir, 'nokey');
    const r = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-config']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--no-encrypt/);
    const down = await cli(['run', '--target', target, '--endpoints', '127.0.0.1:1', '--no-config', '--no-encrypt']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /no healthy endpoint: 127\.0\.0\.1:1/);
    assert.equal(existsSync(target) ? readdirSync(target).length : 0, 0, 'nothing left behind');
  });
});

describe('tetcd-backup against the real etcd 3.4', { skip: etcdSkipReason() ?? tetcdSkipReason() }, () => {
  let member: Member;
  let dir: string;
  before(async () => {
    member = await startEtcd({ extraFlags: ['--enable-v2'] });
    dir = await makeTempDir('backup-tool-etcd');
    await putKeys(member.endpoint, 8);
    const res = await fetch(`${member.clientUrl}/v2/keys/legacy/k`, { method: 'PUT', body: new URLSearchParams({ value: 'v2value' }) });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await member?.stop();
    if (dir) await removeDir(dir);
  });

  it('finds the endpoint in a static pod manifest, exports v2, encrypts with a passphrase; verify, restore and --start give the same data', async () => {
    const target = join(dir, 'backups');
    const manifestPath = await podManifest(dir, member.clientUrl);
    const env = { TETCD_BACKUP_PASSPHRASE: 'correct horse battery staple' };
    const run = await cli(['run', '--target', target, '--pod-manifest', manifestPath, '--config-dir', await memberConfigDir(dir, 'difftest'), '--scrypt-work-factor', '12'], env);
    assert.equal(run.code, 0, run.stderr);
    const set = onlySet(target);
    const manifest = parseManifest(readFileSync(join(target, set, 'manifest.json'), 'utf8'));
    assert.equal(manifest.server.endpoint, member.clientUrl);
    assert.equal(manifest.encryption, 'age-passphrase');
    assert.deepEqual(manifest.files.map((f) => f.name).sort(), ['config-difftest.tar.gz.age', 'snapshot.db.gz.age', 'v2-store.json.gz.age']);
    assert.equal(manifest.files.find((f) => f.kind === 'v2')!.entries, 2, '/legacy and /legacy/k');

    const wrong = await cli(['verify', '--target', target], { TETCD_BACKUP_PASSPHRASE: 'wrong' });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stdout, /BROKEN snapshot\.db\.gz\.age: cannot decrypt/);

    const verify = await cli(['verify', '--target', target, '--restore-test'], env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const before = await dumpKeys(member.endpoint);
    const dataDir = join(dir, 'restored');
    const [client, peer] = await freePorts(2);
    const restore = await cli(
      ['restore', '--target', target, '--name', 'difftest', '--data-dir', dataDir, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
        '--advertise-client-urls', `http://127.0.0.1:${client}`, '--start', '--tetcd-bin', TETCD_BIN],
      env,
    );
    assert.equal(restore.code, 0, restore.stderr);
    const pid = Number(/started: pid (\d+)/.exec(restore.stdout)?.[1]);
    assert.ok(pid > 0, restore.stdout);
    try {
      let after: string[] = [];
      for (let i = 0; i < 50 && after.length === 0; i++) {
        after = await dumpKeys(`127.0.0.1:${client}`).catch(() => []);
        if (after.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(after, before);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });
});
