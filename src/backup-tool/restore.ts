// `tetcd-backup restore`: the guide's procedure from a verified set. Config dirs go back first
// (each member's own certificates), then the snapshot becomes a new single-member cluster, then
// the other members join one at a time; the commands for those steps are printed exactly,
// since they run on other hosts. A set with any problem is refused before anything is written.
// The set's v2 store export, if any, is loaded offline into the restored member's v2 store (its
// raft snapshot, where the new membership also is), so it is there without --start; the start
// command then carries --enable-v2 so the member serves it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { restoreSnapshot, type RestoreResult } from '../backup/index.js';
import { checkBumpFlags } from '../backup/revision-bump.js';
import type { DecryptKeys } from './keys.js';
import type { Manifest } from './manifest.js';
import { openSet } from './open-set.js';
import { unpackTar } from './tar.js';
import type { Target } from './target.js';

export interface RestoreOptions {
  target: Target;
  set: string;
  keys: DecryptKeys;
  /** The member the snapshot becomes; must be in the manifest's member list unless peerUrl is given. */
  name: string;
  dataDir: string;
  /** Defaults to the member's peer URL recorded in the manifest. */
  peerUrl?: string;
  clientUrl?: string;
  initialClusterToken: string;
  /** Where config dirs go: member name → dir. Members not named here are not restored. */
  configDirs: Map<string, string>;
  /** Start tetcd on the restored data dir (detached; its log in <data-dir>.log). */
  start: boolean;
  tetcdCommand: string[];
  /** etcdutl's --bump-revision: raise the restored revision by this much (needs markCompacted). */
  revisionBump?: number;
  /** etcdutl's --mark-compacted: the bumped revision is recorded as compacted. */
  markCompacted?: boolean;
  /** Leave the set's v2 store out (--no-v2). */
  skipV2?: boolean;
}

export interface RestoreOutcome {
  manifest: Manifest;
  restored: RestoreResult;
  configsRestored: string[];
  /** The v2 store: how many nodes were loaded, or why it was not. */
  v2: { restored: true; nodes: number; withTtl: number } | { restored: false; reason: string };
  /** The commands that finish the procedure, in order. */
  commands: string[];
  pid?: number;
}

export class RestoreRefused extends Error {}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * Starts `command args` detached, its output appended to `logPath`; resolves to its pid once it
 * runs. A command that cannot be run (ENOENT, EACCES) is an error naming it, not a crash on an
 * unhandled 'error' event.
 */
export async function startDetached(command: string[], args: string[], logPath: string): Promise<number> {
  const logFd = openSync(logPath, 'a');
  try {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { detached: true, stdio: ['ignore', logFd, logFd] });
    await new Promise<void>((resolveSpawn, reject) => {
      child.once('spawn', () => resolveSpawn());
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(err.code === 'ENOENT' ? `cannot start ${command[0]}: no such program (give --tetcd-bin)` : `cannot start ${command[0]}: ${err.message}`)),
      );
    });
    child.unref();
    return child.pid!;
  } finally {
    // the child holds its own copy of the descriptor
    closeSync(logFd);
  }
}

export async function restoreSet(o: RestoreOptions): Promise<RestoreOutcome> {
  // before anything is written (config dirs go back first)
  checkBumpFlags(o.revisionBump ?? 0, o.markCompacted ?? false);
  const work = await mkdtemp(join(tmpdir(), 'tetcd-backup-restore-'));
  try {
    const { manifest, problems, plain } = await openSet(o.target, o.set, o.keys, work);
    if (!manifest || problems.length > 0) throw new RestoreRefused(`refusing to restore ${o.set}: ${problems.map((p) => `${p.file}: ${p.problem}`).join('; ')}`);
    const self = manifest.members.find((m) => m.name === o.name);
    const peerUrl = o.peerUrl ?? self?.peerURLs[0];
    if (!peerUrl) throw new RestoreRefused(`member ${o.name} is not in the backup's member list; give --initial-advertise-peer-urls`);
    for (const [member, dir] of o.configDirs) {
      if (!manifest.files.some((f) => f.kind === 'config' && f.member === member)) throw new RestoreRefused(`the set holds no config dir of member ${member}`);
      if (existsSync(dir) && readdirSync(dir).length > 0) throw new RestoreRefused(`config target ${dir} exists and is not empty`);
    }
    if (existsSync(o.dataDir)) throw new RestoreRefused(`data dir ${o.dataDir} exists`);

    const configsRestored: string[] = [];
    for (const [member, dir] of o.configDirs) {
      const f = manifest.files.find((x) => x.kind === 'config' && x.member === member)!;
      await unpackTar(await readFile(plain.get(f.name)!), dir);
      configsRestored.push(member);
    }
    const snap = manifest.files.find((f) => f.kind === 'snapshot')!;
    const v2File = manifest.files.find((f) => f.kind === 'v2');
    const v2Export = v2File && !o.skipV2 ? await readFile(plain.get(v2File.name)!, 'utf8') : undefined;
    const restored = await restoreSnapshot({
      snapshotPath: plain.get(snap.name)!,
      name: o.name,
      dataDir: o.dataDir,
      peerUrls: peerUrl,
      initialCluster: `${o.name}=${peerUrl}`,
      initialClusterToken: o.initialClusterToken,
      skipHashCheck: false,
      revisionBump: o.revisionBump ?? 0,
      markCompacted: o.markCompacted ?? false,
      ...(v2Export !== undefined ? { v2Export } : {}),
    });
    const v2: RestoreOutcome['v2'] = restored.v2
      ? { restored: true, ...restored.v2 }
      : { restored: false, reason: v2File ? 'left out by --no-v2' : 'the set holds no v2 store' };
    const clientUrl = o.clientUrl ?? self?.clientURLs[0] ?? 'http://127.0.0.1:2379';
    const startArgs = [
      `--name=${o.name}`, `--data-dir=${resolve(o.dataDir)}`, `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=${o.name}=${peerUrl}`,
      `--initial-cluster-token=${o.initialClusterToken}`,
      // the restored v2 keys are only served with the v2 API on (etcd 3.4's default: off)
      ...(v2.restored ? ['--enable-v2=true'] : []),
    ];
    const commands = [`# 1. start the restored member (on this host)`, [...o.tetcdCommand, ...startArgs].map(shellQuote).join(' ')];
    let cluster = `${o.name}=${peerUrl}`;
    let step = 2;
    for (const m of manifest.members.filter((x) => x.name !== o.name)) {
      const mPeer = m.peerURLs.join(',');
      cluster += `,${m.peerURLs.map((u) => `${m.name}=${u}`).join(',')}`;
      const mClient = m.clientURLs[0] ?? 'http://127.0.0.1:2379';
      commands.push(
        `# ${step++}. add member ${m.name}, then on its host (config dir restored, empty data dir) start it`,
        `etcdctl --endpoints=${clientUrl} member add ${shellQuote(m.name)} --peer-urls=${mPeer}`,
        [`etcd`, `--name=${m.name}`, `--data-dir=/var/lib/etcd`, `--listen-client-urls=${mClient}`, `--advertise-client-urls=${mClient}`, `--listen-peer-urls=${m.peerURLs[0]}`, `--initial-advertise-peer-urls=${mPeer}`, `--initial-cluster=${cluster}`, `--initial-cluster-state=existing`].map(shellQuote).join(' '),
        `etcdctl --endpoints=${clientUrl} endpoint health --cluster`,
      );
    }
    const outcome: RestoreOutcome = { manifest, restored, configsRestored, v2, commands };
    if (o.start) {
      const logPath = `${resolve(o.dataDir)}.log`;
      outcome.pid = await startDetached(o.tetcdCommand, startArgs, logPath).catch((err: Error) => {
        throw new Error(`${err.message}; the data dir ${resolve(o.dataDir)} is restored, start the member by hand: ${commands[1]}`);
      });
      outcome.commands[0] = `# 1. started: pid ${outcome.pid}, log ${logPath}`;
    }
    return outcome;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
