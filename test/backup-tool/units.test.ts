// The pure parts: tar round trip with modes, pod manifest endpoint discovery, retention choice,
// set names, key sources.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptKeys, packDir, podManifestEndpoints, pruneSelection, setName, setTime, unpackTar } from '../../src/backup-tool/index.js';
import { makeTempDir, removeDir } from '../helpers/index.js';
import { memberConfigDir } from './fixtures.js';

describe('tar', () => {
  it('round-trips a config dir with modes, nesting and symlinks', async () => {
    const dir = await makeTempDir('backup-tool-tar');
    try {
      const src = await memberConfigDir(dir, 'm1');
      await symlink('ssl/m1.crt', join(src, 'current.crt'));
      const { archive, entries } = await packDir(src);
      assert.equal(entries, 5);
      const out = join(dir, 'out');
      await unpackTar(archive, out);
      assert.equal((await lstat(join(out, 'ssl', 'm1.key'))).mode & 0o777, 0o600);
      assert.equal(await readFile(join(out, 'ssl', 'm1.key'), 'utf8'), await readFile(join(src, 'ssl', 'm1.key'), 'utf8'));
      assert.equal(await readlink(join(out, 'current.crt')), 'ssl/m1.crt');
    } finally {
      await removeDir(dir);
    }
  });
});

describe('pod manifest', () => {
  it('takes advertised client URLs first, then listened ones, wildcard as loopback', () => {
    const yaml = `spec:
  containers:
  - name: etcd
    command: ["etcd", "--listen-client-urls=https://0.0.0.0:2379", "--advertise-client-urls", "https://10.0.0.5:2379,https://10.0.0.6:2379"]
    env:
    - name: ETCD_LISTEN_CLIENT_URLS
      value: https://10.0.0.5:2379
`;
    assert.deepEqual(podManifestEndpoints(yaml), ['https://10.0.0.5:2379', 'https://10.0.0.6:2379', 'https://127.0.0.1:2379']);
  });
  it('says so when no client URL is named', () => {
    assert.throws(() => podManifestEndpoints('spec:\n  containers:\n  - name: etcd\n    command: [etcd]\n'), /names no client URL/);
  });
});

describe('retention', () => {
  const at = (iso: string) => ({ name: setName(new Date(iso)), complete: true });
  const sets = [
    at('2024-01-01T01:00:00Z'), // Mon, ISO week 1
    at('2024-01-01T13:00:00Z'),
    at('2024-01-03T01:00:00Z'),
    at('2024-01-08T01:00:00Z'), // week 2
    at('2024-01-09T01:00:00Z'),
    at('2024-01-09T12:00:00Z'),
  ];
  it('keeps the newest N, the newest per day and per ISO week', () => {
    const names = sets.map((s) => s.name);
    assert.deepEqual(pruneSelection(sets, { keepLast: 2, keepDaily: 0, keepWeekly: 0 }), names.slice(0, 4));
    assert.deepEqual(pruneSelection(sets, { keepLast: 0, keepDaily: 3, keepWeekly: 0 }), [names[0], names[1], names[4]]);
    assert.deepEqual(pruneSelection(sets, { keepLast: 1, keepDaily: 0, keepWeekly: 2 }), [names[0], names[1], names[3], names[4]]);
  });
  it('removes incomplete sets older than the newest complete one, never newer ones', () => {
    const partial = [{ name: setName(new Date('2023-12-31T00:00:00Z')), complete: false }, ...sets, { name: setName(new Date('2024-02-01T00:00:00Z')), complete: false }];
    const gone = pruneSelection(partial, { keepLast: 10, keepDaily: 0, keepWeekly: 0 });
    assert.deepEqual(gone, [partial[0]!.name]);
  });
});

describe('set names and keys', () => {
  it('names sets by UTC time and reads the time back', () => {
    const d = new Date('2024-03-05T07:08:09Z');
    assert.equal(setName(d), 'etcd-backup-20240305-070809');
    assert.equal(setTime(setName(d))?.getTime(), d.getTime());
    assert.equal(setTime('etcd-backup-2024'), undefined);
  });
  it('takes a passphrase from the environment, never requires one with --no-encrypt', () => {
    assert.deepEqual(encryptKeys({}, { TETCD_BACKUP_PASSPHRASE: 'pw' }), { mode: 'passphrase', passphrase: 'pw' });
    assert.deepEqual(encryptKeys({ noEncrypt: true }, {}), { mode: 'none' });
    assert.throws(() => encryptKeys({}, {}), /--no-encrypt/);
  });
});
