// `tetcd-backup run`: one backup set — each member's config dir, the v3 snapshot from the first
// healthy endpoint, the v2 store when there is one — encoded, stored, and sealed by its manifest.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySnapshotHash } from '../backup/index.js';
import { ETCD_API_VERSION, TETCD_VERSION } from '../config/version.js';
import { encodeFile, storedSuffix, type Encoding } from './codec.js';
import { firstHealthy, type HealthyEndpoint, type TlsFiles } from './endpoints.js';
import { MANIFEST_NAME, MANIFEST_FORMAT, renderManifest, sealManifest, type Manifest, type ManifestFile, type ManifestMember } from './manifest.js';
import { setName } from './set-name.js';
import { clusterFigures, saveSnapshot, snapshotFigures } from './snapshot.js';
import { describeRemote, fetchRemoteDir, type RemoteDir, type SshAuth } from './ssh-config.js';
import { packDir } from './tar.js';
import type { SetWriter, Target } from './target.js';
import { exportV2 } from './v2-export.js';

export interface ConfigSource {
  /** '' for the member that answers the backup. */
  member: string;
  /** Absolute on `remote` when given, else a local path. */
  dir: string;
  /** The member host the dir is read from over SSH; absent: read locally. */
  remote?: Omit<RemoteDir, 'dir'>;
}

export interface RunOptions {
  target: Target;
  endpoints: string[];
  tls: TlsFiles;
  encoding: Encoding;
  /** Config dirs to back up; empty with skipConfig to leave them out on purpose. */
  configs: ConfigSource[];
  skipConfig: boolean;
  skipV2: boolean;
  /** Needed when any config source is remote. */
  ssh?: SshAuth;
  now?: Date;
  log?: (line: string) => void;
}

export class RunError extends Error {}

const hex = (id: bigint) => id.toString(16);

const sourceOf = (c: ConfigSource): string => (c.remote ? describeRemote({ ...c.remote, dir: c.dir }) : c.dir);

/**
 * Brings every config dir to a local path packDir can read: local ones as they are, remote ones
 * fetched into `work`. This happens before the set is begun, so an unreadable member host fails
 * the run with nothing written to the target.
 */
async function gatherConfigDirs(opts: RunOptions, work: string, log: (line: string) => void): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, c] of opts.configs.entries()) {
    if (!c.remote) {
      dirs.push(c.dir);
      continue;
    }
    if (!opts.ssh) throw new RunError(`config dir of member ${c.member} is remote but no SSH settings were given`);
    if (opts.ssh.skipHostKeyCheck) log(`warning: host key of ${c.remote.host} not checked (--ssh-insecure-skip-host-key-check)`);
    const local = join(work, 'fetched', String(i));
    await mkdir(local, { recursive: true, mode: 0o700 });
    const entries = await fetchRemoteDir({ ...c.remote, dir: c.dir }, local, opts.ssh).catch((err: Error) => {
      throw new RunError(`config dir of member ${c.member || '(answering member)'} (${sourceOf(c)}): ${err.message}`);
    });
    log(`fetched config dir of ${c.member} from ${sourceOf(c)} (${entries} entries)`);
    dirs.push(local);
  }
  return dirs;
}

export async function runBackup(opts: RunOptions): Promise<Manifest> {
  const log = opts.log ?? (() => undefined);
  const started = opts.now ?? new Date();
  const name = setName(started);
  for (const c of opts.configs) {
    if (c.remote) continue;
    if (!existsSync(c.dir) || !statSync(c.dir).isDirectory()) throw new RunError(`config dir of member ${c.member} not found: ${c.dir}`);
  }
  const { endpoint, client, status } = await firstHealthy(opts.endpoints, opts.tls);
  log(`backing up from ${endpoint} (etcd ${status.version})`);
  let work: string | undefined;
  try {
    work = await mkdtemp(join(tmpdir(), 'tetcd-backup-'));
    await mkdir(join(work, 'stored'));
    const configDirs = await gatherConfigDirs(opts, work, log);
    const writer = await opts.target.begin(name);
    return await writeSet({ opts, log, started, name, endpoint, client, status, work, writer, configDirs });
  } finally {
    client.close();
    if (work) await rm(work, { recursive: true, force: true });
  }
}

interface SetContext {
  opts: RunOptions;
  log: (line: string) => void;
  started: Date;
  name: string;
  endpoint: string;
  client: HealthyEndpoint['client'];
  status: HealthyEndpoint['status'];
  work: string;
  writer: SetWriter;
  /** Local paths of opts.configs' dirs, in the same order. */
  configDirs: string[];
}

/** Writes the set's files and seals it with its manifest; aborts the set on any failure. */
async function writeSet(ctx: SetContext): Promise<Manifest> {
  const { opts, log, started, name, endpoint, client, status, work, writer } = ctx;
  const encrypted = opts.encoding.keys.mode !== 'none';
  const suffix = storedSuffix(opts.encoding.compression, encrypted);
  const files: ManifestFile[] = [];
  const included: string[] = [];
  const excluded: Manifest['excluded'] = [];

  async function store(plainPath: string, stored: string, extra: Omit<ManifestFile, 'name' | 'size' | 'sha256' | 'plainSize' | 'plainSha256'>): Promise<void> {
    // encoded copies apart from plaintexts: without compression or encryption they share a name
    const out = join(work, 'stored', stored);
    const enc = await encodeFile(plainPath, out, opts.encoding);
    await writer.put(stored, out);
    files.push({ name: stored, ...extra, ...enc });
    log(`stored ${stored} (${enc.size} bytes)`);
  }

  try {
    const members = (await client.unary('cluster', 'memberList', {})).members.map(
      (m): ManifestMember => ({ id: hex(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner }),
    );

    // a config dir given without a member name is the config of the member that answered
    const selfName = members.find((m) => m.id === hex(status.header?.member_id ?? 0n))?.name || 'default';
    for (const [i, given] of opts.configs.entries()) {
      const c = { ...given, member: given.member || selfName };
      const { archive, entries } = await packDir(ctx.configDirs[i]!);
      const plain = join(work, `config-${c.member}.tar`);
      await writeFile(plain, archive, { mode: 0o600 });
      const source = c.remote ? { ...c.remote, dir: c.dir } : { dir: c.dir };
      await store(plain, `config-${c.member}.tar${suffix}`, { kind: 'config', member: c.member, entries, source });
      included.push(`config dir of ${c.member} (${sourceOf(c)})`);
    }
    if (opts.configs.length === 0) excluded.push({ what: 'config dirs', reason: opts.skipConfig ? 'left out by --no-config' : 'none given' });

    const snapPath = join(work, 'snapshot.db');
    await saveSnapshot(client, snapPath);
    await verifySnapshotHash(snapPath, false);
    const snap = await snapshotFigures(snapPath);
    const figures = await clusterFigures(client, snap.revision);
    await store(snapPath, `snapshot.db${suffix}`, { kind: 'snapshot' });
    included.push(`v3 snapshot at revision ${snap.revision}`);

    if (opts.skipV2) excluded.push({ what: 'v2 store', reason: 'left out by --no-v2' });
    else {
      const v2 = await exportV2(endpoint, opts.tls);
      if (v2.present) {
        const v2Path = join(work, 'v2-store.json');
        await writeFile(v2Path, v2.json, { mode: 0o600 });
        await store(v2Path, `v2-store.json${suffix}`, { kind: 'v2', entries: v2.keys });
        included.push(`v2 store (${v2.keys} nodes)`);
      } else excluded.push({ what: 'v2 store', reason: v2.reason });
    }

    const manifest = sealManifest({
      format: MANIFEST_FORMAT,
      name,
      startedAt: started.toISOString(),
      completedAt: new Date().toISOString(),
      tool: { name: 'tetcd-backup', version: TETCD_VERSION, etcdApiVersion: ETCD_API_VERSION },
      server: {
        endpoint,
        version: status.version,
        clusterId: hex(status.header?.cluster_id ?? 0n),
        memberId: hex(status.header?.member_id ?? 0n),
        leader: hex(status.leader),
        raftIndex: Number(status.raftIndex),
        dbSize: Number(status.dbSize),
      },
      members,
      snapshot: { ...snap, ...figures },
      compression: opts.encoding.compression,
      encryption: opts.encoding.keys.mode === 'none' ? 'none' : opts.encoding.keys.mode === 'recipients' ? 'age-recipients' : 'age-passphrase',
      files,
      included,
      excluded,
    });
    const manifestPath = join(work, MANIFEST_NAME);
    await writeFile(manifestPath, renderManifest(manifest));
    // the manifest goes last: a set is complete exactly when it has one
    await writer.put(MANIFEST_NAME, manifestPath);
    await writer.commit();
    log(`backup set ${name} complete in ${opts.target.description}`);
    return manifest;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
