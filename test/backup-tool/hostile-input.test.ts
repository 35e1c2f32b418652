// Input the tool does not control: names and trees sent by a member host over SFTP, member
// names from the cluster, manifests and archives read back from a store. None may make the tool
// write outside its own dirs, follow a link it was sent, or hang.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FORMAT, MANIFEST_NAME, renderManifest, sealManifest, type Manifest } from '../../src/backup-tool/manifest.js';
import { openSet } from '../../src/backup-tool/open-set.js';
import { configFileName } from '../../src/backup-tool/run.js';
import { fetchRemoteDir, remoteNameProblem, type SshAuth } from '../../src/backup-tool/ssh-config.js';
import { LocalTarget, storedNameProblem, type Target } from '../../src/backup-tool/target.js';
import { packDir, parseTar, unpackTar } from '../../src/backup-tool/tar.js';
import { makeTempDir, removeDir } from '../helpers/index.js';
import { startHostileSftp, type FakeEntry } from './hostile-sftp.js';

const SET = 'etcd-backup-20240102-030405';

describe('names a member host lists over SFTP', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('backup-tool-hostile');
  });
  after(async () => {
    await removeDir(dir);
  });

  const auth = (clientKey: string, transferTimeoutMs?: number): SshAuth => ({
    keyFiles: [clientKey], knownHostsFile: '/nonexistent', skipHostKeyCheck: true, readyTimeoutMs: 5_000, ...(transferTimeoutMs ? { transferTimeoutMs } : {}),
  });

  /** Fetches /etc/etcd from a hostile server listing `entries` (and `more` dirs) into a fresh dir. */
  async function fetchFrom(name: string, entries: FakeEntry[], more: Record<string, FakeEntry[]> = {}, stallReads = false, timeoutMs?: number) {
    const local = join(dir, name, 'fetched', 'work', 'copy');
    await mkdir(local, { recursive: true });
    const server = await startHostileSftp({ dirs: { '/etc/etcd': entries, ...more }, stallReads }, dir);
    servers.push(server.close);
    return { local, result: fetchRemoteDir({ user: 'root', host: '127.0.0.1', port: server.port, dir: '/etc/etcd' }, local, auth(server.clientKey, timeoutMs)) };
  }
  const servers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of servers) await close();
  });

  it('says which names are no single path component', () => {
    for (const bad of ['', '.', '..', '../../cron.d/x', 'a/x', 'x\0y']) assert.ok(remoteNameProblem(bad), bad);
    for (const good of ['ca.crt', '..hidden', '.x', 'a b']) assert.equal(remoteNameProblem(good), undefined, good);
  });

  it('refuses a ../ name and writes nothing outside the fetch dir', { timeout: 15_000 }, async () => {
    const { local, result } = await fetchFrom('dotdot', [{ name: '../../escaped', mode: 0o100644, data: 'pwned' }]);
    await assert.rejects(result, /refusing \/etc\/etcd: the host listed an entry name with "\/"/);
    assert.equal(existsSync(join(local, '..', '..', 'escaped')), false);
  });

  it('refuses a name under a symlink it just sent (a -> victim, then a/x)', { timeout: 15_000 }, async () => {
    const victim = join(dir, 'victim');
    await mkdir(victim);
    const { result } = await fetchFrom('via-link', [
      { name: 'a', mode: 0o120777, linkTarget: victim },
      { name: 'a/x', mode: 0o100644, data: 'pwned' },
    ]);
    await assert.rejects(result, /entry name with "\/"/);
    assert.deepEqual(await readdir(victim), []);
  });

  it('refuses a name listed twice (a link, then a file of the same name)', { timeout: 15_000 }, async () => {
    const victim = join(dir, 'victim2');
    await mkdir(victim);
    await writeFile(join(victim, 'target'), 'original');
    const { result } = await fetchFrom('twice', [
      { name: 'k', mode: 0o120777, linkTarget: join(victim, 'target') },
      { name: 'k', mode: 0o100644, data: 'pwned' },
    ]);
    await assert.rejects(result, /listed "k" twice/);
    assert.equal(await readFile(join(victim, 'target'), 'utf8'), 'original');
  });

  it('keeps local copies owner-writable and reports the host modes, which the archive keeps', { timeout: 15_000 }, async () => {
    const { local, result } = await fetchFrom(
      'modes',
      [{ name: 'ro', mode: 0o040500 }],
      { '/etc/etcd/ro': [{ name: 'key.pem', mode: 0o100400, data: 'secret' }] },
    );
    const fetched = await result;
    assert.equal(fetched.entries, 2);
    assert.equal((await lstat(join(local, 'ro'))).mode & 0o777, 0o700);
    assert.equal((await lstat(join(local, 'ro', 'key.pem'))).mode & 0o777, 0o600);
    assert.deepEqual([...fetched.modes].sort(), [['ro', 0o500], ['ro/key.pem', 0o400]]);
    const modes = parseTar((await packDir(local, fetched.modes)).archive).map((e) => [e.path, e.mode]);
    assert.deepEqual(modes, [['ro', 0o500], ['ro/key.pem', 0o400]]);
  });

  it('gives up on a stalled transfer at the deadline with a clear error', { timeout: 15_000 }, async () => {
    const { result } = await fetchFrom('stall', [{ name: 'big.crt', mode: 0o100644, data: 'x'.repeat(100) }], {}, true, 500);
    const started = Date.now();
    await assert.rejects(result, /did not finish within 500 ms \(stalled SFTP server\?\)/);
    assert.ok(Date.now() - started < 5_000);
  });
});

describe('file names of a set', () => {
  it('keeps plain member names as they are and makes any other a safe, distinct file name', () => {
    assert.equal(configFileName('infra1'), 'config-infra1.tar');
    assert.equal(configFileName('m-1.dc_a'), 'config-m-1.dc_a.tar');
    for (const hostile of ['/../../x', 'dc1/n1', '..\0', 'a b']) {
      const name = configFileName(hostile);
      assert.equal(storedNameProblem(name), undefined, name);
      assert.match(name, /^config-[A-Za-z0-9._-]+-[0-9a-f]{12}\.tar$/);
    }
    assert.notEqual(configFileName('dc1/n1'), configFileName('dc1_n1'));
    assert.notEqual(configFileName('dc1/n1'), configFileName('dc1 n1'));
  });

  it('the local target refuses unsafe file and set names', async () => {
    const dir = await makeTempDir('backup-tool-names');
    try {
      const t = new LocalTarget(join(dir, 'sets'));
      const src = join(dir, 'src');
      await writeFile(src, 'x');
      const w = await t.begin(SET);
      await assert.rejects(w.put('../../escaped', src), /unsafe file name/);
      await assert.rejects(w.put('dc1/n1', src), /unsafe file name/);
      await w.abort();
      assert.equal(existsSync(join(dir, 'escaped')), false);
      await assert.rejects(t.begin('../x'), /not a backup set name/);
      await assert.rejects(t.fetch(SET, '../manifest.json', join(dir, 'out')), /unsafe file name/);
      await assert.rejects(t.fetch('../../etc', 'passwd', join(dir, 'out')), /not a backup set name/);
    } finally {
      await removeDir(dir);
    }
  });

  it('openSet reports a manifest file name that would leave its dir, and writes nothing there', async () => {
    const dir = await makeTempDir('backup-tool-openset');
    try {
      const payload = Buffer.from('pwned');
      const sha = createHash('sha256').update(payload).digest('hex');
      const evil = '../../escaped';
      const manifest = sealManifest({
        format: MANIFEST_FORMAT, name: SET, startedAt: '', completedAt: '',
        tool: { name: 'tetcd-backup', version: '0', etcdApiVersion: '3.4' },
        server: { endpoint: '', version: '', clusterId: '0', memberId: '0', leader: '0', raftIndex: 0, dbSize: 0 },
        members: [],
        snapshot: { revision: 0, hash: 0, totalKeys: 0, liveKeys: 0, hashKV: null, compactRevision: null, dbSize: 0, sha256Trailer: '' },
        compression: 'none', encryption: 'none',
        files: [{ name: evil, kind: 'config', size: payload.length, sha256: sha, plainSize: payload.length, plainSha256: sha }],
        included: [], excluded: [],
      } as Omit<Manifest, 'manifestSha256'>);
      // a store whose listing holds the hostile name (an S3 key may be "set/../../escaped")
      const hostile: Target = {
        description: 'hostile store',
        list: async () => [{ name: SET, complete: true }],
        begin: async () => assert.fail('not used'),
        files: async () => [MANIFEST_NAME, evil],
        fetch: async (_set, name, localPath) => {
          if (name === MANIFEST_NAME) await writeFile(localPath, renderManifest(manifest));
          else await writeFile(localPath, payload);
        },
        remove: async () => undefined,
      };
      const work = join(dir, 'a', 'b', 'work');
      await mkdir(work, { recursive: true });
      const opened = await openSet(hostile, SET, { identities: [] }, work);
      assert.ok(opened.problems.some((p) => p.file === evil && /unsafe file name/.test(p.problem)), JSON.stringify(opened.problems));
      assert.equal(existsSync(join(work, 'stored', evil)), false);
      assert.equal(existsSync(join(work, evil)), false);
    } finally {
      await removeDir(dir);
    }
  });
});

/** A ustar archive of crafted entries (what a tampered store could hand to restore). */
function craftTar(entries: { path: string; type: '0' | '2' | '5'; mode: number; data?: string; link?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100);
    const octal = (off: number, len: number, v: number) => h.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len);
    octal(100, 8, e.mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.length);
    octal(136, 12, 0);
    h.write(e.type, 156);
    h.write(e.link ?? '', 157, 100);
    h.write('ustar\u000000', 257);
    h.fill(' ', 148, 156);
    octal(148, 7, h.reduce((s, b) => s + b, 0));
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

describe('unpacking an archive from the store', () => {
  it('never writes through a symlink the archive itself created', async () => {
    const dir = await makeTempDir('backup-tool-untar');
    try {
      const victim = join(dir, 'victim');
      await mkdir(victim);
      const archive = craftTar([
        { path: 'x', type: '2', mode: 0o777, link: victim },
        { path: 'x/passwd', type: '0', mode: 0o644, data: 'pwned' },
      ]);
      await assert.rejects(unpackTar(archive, join(dir, 'out')), /tar entry x\/passwd lies under a symlink: x/);
      assert.deepEqual(await readdir(victim), []);
      // a link to a dir followed by a dir entry below it
      const viaDir = craftTar([
        { path: 'y', type: '2', mode: 0o777, link: victim },
        { path: 'y/sub', type: '5', mode: 0o755 },
      ]);
      await assert.rejects(unpackTar(viaDir, join(dir, 'out2')), /lies under a symlink/);
      assert.deepEqual(await readdir(victim), []);
      await assert.rejects(unpackTar(craftTar([{ path: '../up', type: '0', mode: 0o644, data: 'x' }]), join(dir, 'out3')), /not a plain relative path/);
      assert.equal(existsSync(join(dir, 'up')), false);
    } finally {
      await removeDir(dir);
    }
  });

  it('fills a read-only dir before closing it, also for a user without root powers', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to run the unpacking as an unprivileged user');
    const dir = await makeTempDir('backup-tool-untar-ro');
    try {
      const archive = craftTar([
        { path: 'ro', type: '5', mode: 0o500 },
        { path: 'ro/key.pem', type: '0', mode: 0o400, data: 'secret' },
        { path: 'ro/link', type: '2', mode: 0o777, link: 'key.pem' },
      ]);
      await writeFile(join(dir, 'archive.tar'), archive);
      const out = join(dir, 'out');
      // a copy of the module where the unprivileged user can read it (the build may sit under /root)
      const tarJs = join(dir, 'tar.mjs');
      await copyFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'backup-tool', 'tar.js'), tarJs);
      for (const p of [dir, join(dir, 'archive.tar'), tarJs]) chownSync(p, 65534, 65534);
      const script = `import { unpackTar } from ${JSON.stringify(tarJs)}; import { readFileSync } from 'node:fs'; await unpackTar(readFileSync(${JSON.stringify(join(dir, 'archive.tar'))}), ${JSON.stringify(out)});`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal((await lstat(join(out, 'ro'))).mode & 0o777, 0o500);
      assert.equal((await lstat(join(out, 'ro', 'key.pem'))).mode & 0o777, 0o400);
      assert.equal(await readFile(join(out, 'ro', 'key.pem'), 'utf8'), 'secret');
      assert.ok((await lstat(join(out, 'ro', 'link'))).isSymbolicLink());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
