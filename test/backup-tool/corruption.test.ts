// A damaged backup set is named file by file: a flipped byte in any stored file, in the
// manifest, or inside the snapshot (caught by its own sha256 trailer even when the manifest was
// rewritten to match), makes verify exit 3 naming that file, and restore refuse the set.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../../src/backup-tool/index.js';
import { renderManifest, sealManifest } from '../../src/backup-tool/manifest.js';
import { makeTempDir, removeDir, startTetcd, tetcdSkipReason, type Member } from '../helpers/index.js';
import { ageKeys, cli, memberConfigDir, putKeys } from './fixtures.js';

async function flipByte(path: string, at: number): Promise<void> {
  const b = await readFile(path);
  const i = Math.min(at, b.length - 1);
  b[i] = b[i]! ^ 0xff;
  await writeFile(path, b);
}

describe('tetcd-backup corruption detection', { skip: tetcdSkipReason() }, () => {
  let member: Member;
  let dir: string;
  let keys: { identityFile: string; recipientsFile: string };
  before(async () => {
    member = await startTetcd({ extraFlags: ['--enable-v2'] });
    dir = await makeTempDir('backup-tool-corrupt');
    keys = ageKeys(dir);
    await putKeys(member.endpoint, 5);
    await fetch(`${member.clientUrl}/v2/keys/v2dir/k`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) });
  });
  after(async () => {
    await member?.stop();
    if (dir) await removeDir(dir);
  });

  for (const mode of ['encrypted', 'plain'] as const) {
    it(`names every damaged file of a ${mode} set`, async () => {
      const target = join(dir, `good-${mode}`);
      const enc = mode === 'encrypted' ? ['--recipients-file', keys.recipientsFile] : ['--no-encrypt', '--compression', 'none'];
      const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--config-dir', await memberConfigDir(dir, mode), ...enc]);
      assert.equal(run.code, 0, run.stderr);
      const set = run.stdout.trim();
      const files = await readdir(join(target, set));
      assert.equal(files.length, 4, `config, snapshot, v2 and manifest: ${files.join(',')}`);
      for (const file of files) {
        const broken = join(dir, `broken-${mode}-${file}`);
        await cp(target, broken, { recursive: true });
        await flipByte(join(broken, set, file), 300);
        const v = await cli(['verify', '--target', broken, '--identity-file', keys.identityFile]);
        assert.equal(v.code, 3, `${file}: ${v.stdout}`);
        assert.match(v.stdout, new RegExp(`^BROKEN ${file.replace(/\./g, '\\.')}: `, 'm'));
        const r = await cli(['restore', '--target', broken, '--identity-file', keys.identityFile, '--name', 'x', '--data-dir', join(broken, 'data')]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /refusing to restore/);
        assert.equal(existsSync(join(broken, 'data')), false, 'nothing written by a refused restore');
      }
    });
  }

  it("catches a snapshot whose bytes and manifest were both changed, by the snapshot's own sha256 trailer", async () => {
    const target = join(dir, 'trailer');
    const run = await cli(['run', '--target', target, '--endpoints', member.endpoint, '--no-config', '--no-v2', '--no-encrypt', '--compression', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const set = run.stdout.trim();
    const snap = join(target, set, 'snapshot.db');
    await flipByte(snap, 5000);
    const data = await readFile(snap);
    const sha = createHash('sha256').update(data).digest('hex');
    const mPath = join(target, set, 'manifest.json');
    const { manifestSha256: _, ...m } = parseManifest(await readFile(mPath, 'utf8'));
    m.files = m.files.map((f) => (f.kind === 'snapshot' ? { ...f, sha256: sha, plainSha256: sha } : f));
    await writeFile(mPath, renderManifest(sealManifest(m)));
    const v = await cli(['verify', '--target', target]);
    assert.equal(v.code, 3);
    assert.match(v.stdout, /BROKEN snapshot\.db: bad snapshot content: expected sha256/);
  });
});
