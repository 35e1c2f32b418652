// restore --start --add-members: a backup of a real three-member tetcd cluster is restored as a
// new cluster and the tool adds the other two members one by one. The test plays the operator
// on the "other hosts": whenever restore prints `start member NAME: <command>`, it runs that
// command (tetcd for `etcd`, a fresh data dir), and in the end every member serves the restored
// data. A member nobody starts ends the restore after --member-join-timeout with an error that
// names it and says how to continue.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, MANIFEST_NAME, parseManifest } from '../../src/backup-tool/index.js';
import { V3Client } from '../../src/client/v3.js';
import { freePorts, makeTempDir, removeDir, sleep, startServer, tetcdSkipReason, TETCD_BIN, type ServerProcess } from '../helpers/index.js';
import { cli, dumpKeys, putKeys } from './fixtures.js';

const NAMES = ['m0', 'm1', 'm2'];
const EXIT_WAIT_MS = 5000;

interface OrigMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
}

/** Words of a command line as restore prints it (shellQuote: plain words or '...' with '\'' inside). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!);
  return words;
}

/** Stops a detached restored member by pid: SIGTERM, then SIGKILL once the bound passed. */
async function stopPid(pid: number): Promise<void> {
  const gone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  if (gone()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < EXIT_WAIT_MS / 50 && !gone(); i++) await sleep(50);
  if (!gone()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 40 && !gone(); i++) await sleep(50);
}

const restoredPid = (out: string) => Number(/started: pid (\d+)/.exec(out)?.[1] ?? 0);

describe('tetcd-backup restore --add-members', { skip: tetcdSkipReason() }, () => {
  let dir: string;
  let target: string;
  let set: string;
  let members: OrigMember[];
  let keysBefore: string[];
  /** The members as the backup's manifest lists them: the first is restored, the others added in this order. */
  let manifestOrder: string[];
  const peerOf = (name: string) => members.find((m) => m.name === name)!.peerUrl;

  before(async () => {
    dir = await makeTempDir('backup-tool-add-members');
    target = join(dir, 'backups');
    const ports = await freePorts(NAMES.length * 2);
    members = NAMES.map((name, i) => ({ name, clientUrl: `http://127.0.0.1:${ports[2 * i]}`, peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}` }));
    const cluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    // all three at once: none is ready before it has a quorum
    const started = await Promise.allSettled(
      members.map((m) =>
        startServer({
          command: process.execPath,
          args: [TETCD_BIN, `--name=${m.name}`, `--data-dir=${join(dir, `orig-${m.name}`)}`, `--listen-client-urls=${m.clientUrl}`, `--advertise-client-urls=${m.clientUrl}`,
            `--listen-peer-urls=${m.peerUrl}`, `--initial-advertise-peer-urls=${m.peerUrl}`, `--initial-cluster=${cluster}`, '--initial-cluster-state=new'],
          healthUrl: `${m.clientUrl}/health`,
        }),
      ),
    );
    const procs = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      await putKeys(members[0]!.clientUrl, 20);
      const run = await cli(['run', '--target', target, '--endpoints', members[0]!.clientUrl, '--no-config', '--no-encrypt']);
      assert.equal(run.code, 0, run.stderr);
      set = run.stdout.trim();
      manifestOrder = parseManifest(readFileSync(join(target, set, MANIFEST_NAME), 'utf8')).members.map((m) => m.name);
      assert.deepEqual([...manifestOrder].sort(), NAMES);
      keysBefore = await dumpKeys(members[0]!.clientUrl);
    } finally {
      // the disaster: the whole cluster is gone, its hosts (here: ports) free for the restore
      await Promise.all(procs.map((p) => p.stop()));
    }
  });

  after(async () => {
    if (dir) await removeDir(dir);
  });

  // The restore reuses the backed-up cluster's ports (its hosts, in the guide's story); under
  // `npm test`'s concurrency another test can take one of them meanwhile and a member then fails
  // to start (seen once in CI). Opt-in until the test can own its ports: TETCD_TEST_ADD_MEMBERS=1.
  it('adds the other members one at a time as the operator starts them; all three serve the restored data', {
    skip: process.env.TETCD_TEST_ADD_MEMBERS === '1' ? false : 'opt-in (TETCD_TEST_ADD_MEMBERS=1): it reuses the backed-up ports, which concurrent tests may take',
  }, async () => {
    const joiners: Promise<ServerProcess>[] = [];
    const startedNames: string[] = [];
    let out = '';
    let err = '';
    const io = {
      stdout: (s: string) => {
        out += s;
        for (const line of s.split('\n')) {
          const m = /^start member (\S+): (.*)$/.exec(line);
          if (!m) continue;
          // the operator on that member's host: etcd's command, run as tetcd with a fresh data dir
          const words = shellWords(m[2]!);
          assert.equal(words[0], 'etcd');
          startedNames.push(m[1]!);
          const args = words.slice(1).map((w) => (w.startsWith('--data-dir=') ? `--data-dir=${join(dir, `joined-${m[1]}`)}` : w));
          const client = args.find((w) => w.startsWith('--listen-client-urls='))!.split('=')[1]!;
          joiners.push(startServer({ command: process.execPath, args: [TETCD_BIN, ...args], healthUrl: `${client}/health` }));
        }
      },
      stderr: (s: string) => (err += s),
      env: {},
    };
    const restored = members.find((m) => m.name === manifestOrder[0])!;
    let code = -1;
    try {
      code = await main(
        ['restore', '--target', target, '--set', set, '--name', restored.name, '--data-dir', join(dir, 'restored'), '--start', '--tetcd-bin', TETCD_BIN, '--add-members', '--member-join-timeout', '30'],
        io,
      );
      assert.equal(code, 0, `${err}\n${out}`);
      assert.deepEqual(startedNames, manifestOrder.slice(1), 'members added in the manifest order, one start command each');
      // as etcdctl member add prints it: every member so far, the new one included (in the server's order)
      const clusters = [...out.matchAll(/^ETCD_INITIAL_CLUSTER="(.*)"$/gm)].map((m) => m[1]!.split(',').sort());
      assert.deepEqual(clusters, [manifestOrder.slice(0, 2), manifestOrder].map((ns) => ns.map((n) => `${n}=${peerOf(n)}`).sort()));
      assert.match(out, /--initial-cluster-state=existing/);
      assert.equal(out.match(/ is healthy: successfully committed proposal/g)?.length, 3, out);

      const c = new V3Client({ endpoints: [restored.clientUrl] });
      try {
        const list = await c.unary('cluster', 'memberList', {});
        assert.deepEqual(list.members.map((m) => m.name).sort(), NAMES, 'three started members');
        assert.deepEqual(list.members.map((m) => m.peerURLs[0]).sort(), members.map((m) => m.peerUrl).sort());
      } finally {
        c.close();
      }
      const figures = await Promise.all(
        members.map(async (m) => {
          const mc = new V3Client({ endpoints: [m.clientUrl] });
          try {
            const status = await mc.unary('maintenance', 'status', {});
            const revision = status.header!.revision;
            const h = await mc.unary('maintenance', 'hashKv', { revision });
            return { revision, hash: h.hash, keys: await dumpKeys(m.clientUrl) };
          } finally {
            mc.close();
          }
        }),
      );
      for (const f of figures) {
        assert.deepEqual(f.keys, keysBefore, 'every member serves the backed-up keys');
        assert.equal(f.revision, figures[0]!.revision);
        assert.equal(f.hash, figures[0]!.hash);
      }
    } finally {
      const procs = await Promise.allSettled(joiners);
      await Promise.all(procs.map((p) => (p.status === 'fulfilled' ? p.value.stop() : undefined)));
      const pid = restoredPid(out);
      if (pid > 0) await stopPid(pid);
    }
  });

  it('stops with an error naming the member added but not started, and the commands to continue', async () => {
    let out = '';
    let err = '';
    const t0 = Date.now();
    try {
      const code = await main(
        ['restore', '--target', target, '--set', set, '--name', manifestOrder[0]!, '--data-dir', join(dir, 'restored-2'), '--start', '--tetcd-bin', TETCD_BIN, '--add-members', '--member-join-timeout', '3'],
        { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} },
      );
      assert.equal(code, 1, `${err}\n${out}`);
      assert.ok(Date.now() - t0 < 30_000, 'bounded by the join timeout');
      const [, first, second] = manifestOrder;
      assert.match(out, new RegExp(`^start member ${first}: etcd --name=${first} `, 'm'));
      assert.doesNotMatch(out, new RegExp(`start member ${second}`), 'the next member is not added while one is missing');
      assert.match(err, new RegExp(`member ${first} \\(ID [0-9a-f]+\\) is added but has not started within 3 s; the cluster has no quorum until it does`));
      assert.match(err, new RegExp(`etcd --name=${first} .*--initial-cluster-state=existing`));
      assert.match(err, new RegExp(`member add ${second} --peer-urls=${peerOf(second!)}`));
      assert.match(err, /member remove [0-9a-f]+/);
    } finally {
      const pid = restoredPid(out);
      if (pid > 0) await stopPid(pid);
    }
  });

  it('refuses --add-members without --start (usage, nothing restored)', async () => {
    const r = await cli(['restore', '--target', target, '--set', set, '--name', 'm0', '--data-dir', join(dir, 'restored-3'), '--add-members']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--add-members needs --start/);
  });
});
