// `tetcd-backup run`: one backup set — each member's config dir, the v3 snapshot from the first
// healthy endpoint, the v2 store when there is one — encoded, stored, and sealed by its manifest.
import { createHash } from 'node:crypto';
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
import { storedNameProblem, type SetWriter, type Target } from './target.js';
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
async function gatherConfigDirs(opts: RunOptions, work: string, log: (line: string) => void): Promise<ConfigDir[]> {
  const dirs: ConfigDir[] = [];
  for (const [i, c] of opts.configs.entries()) {
    if (!c.remote) {
      dirs.push({ path: c.dir });
      continue;
    }
    if (!opts.ssh) throw new RunError(`config dir of member ${c.member} is remote but no SSH settings were given`);
    if (opts.ssh.skipHostKeyCheck) log(`warning: host key of ${c.remote.host} not checked (--ssh-insecure-skip-host-key-check)`);
    const local = join(work, 'fetched', String(i));
    await mkdir(local, { recursive: true, mode: 0o700 });
    const fetched = await fetchRemoteDir({ ...c.remote, dir: c.dir }, local, opts.ssh).catch((err: Error) => {
      throw new RunError(`config dir of member ${c.member || '(answering member)'} (${sourceOf(c)}): ${err.message}`);
    });
    log(`fetched config dir of ${c.member} from ${sourceOf(c)} (${fetched.entries} entries)`);
    dirs.push({ path: local, modes: fetched.modes });
  }
  return dirs;
}

/** A config dir packDir can read, with the host's modes when it is a fetched copy. */
interface ConfigDir {
  path: string;
  modes?: ReadonlyMap<string, number>;
}

/** Member names that are already plain file-name fragments keep their config file name unchanged. */
const PLAIN_MEMBER = /^[A-Za-z0-9._-]*$/;

/**
 * The stored name of a member's config archive (before the codec suffix). Member names come from
 * the cluster and may hold anything ("dc1/n1", "../x"); those are replaced by a readable, safe
 * form with a hash of the real name, which the manifest still records as the member.
 */
export function configFileName(member: string): string {
  if (PLAIN_MEMBER.test(member)) return `config-${member}.tar`;
  const readable = member.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  return `config-${readable}-${createHash('sha256').update(member).digest('hex').slice(0, 12)}.tar`;
}

/** Removes the work dir (it holds private keys) without ever replacing the run's result or error. */
async function removeWork(work: string, log: (line: string) => void): Promise<void> {
  try {
    await rm(work, { recursive: true, force: true });
  } catch (err) {
    log(`warning: could not remove the temporary dir ${work}: ${(err as Error).message}; remove it by hand, it may hold private keys`);
  }
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
    if (work) await removeWork(work, log);
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
  /** Local copies of opts.configs' dirs, in the same order. */
  configDirs: ConfigDir[];
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
    const unsafe = storedNameProblem(stored);
    if (unsafe) throw new RunError(unsafe);
    if (files.some((f) => f.name === stored)) throw new RunError(`two files of the set would be named ${stored} (two members named alike?)`);
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
      const dir = ctx.configDirs[i]!;
      const { archive, entries } = await packDir(dir.path, dir.modes);
      const fileName = configFileName(c.member);
      const plain = join(work, fileName);
      await writeFile(plain, archive, { mode: 0o600 });
      const source = c.remote ? { ...c.remote, dir: c.dir } : { dir: c.dir };
      await store(plain, `${fileName}${suffix}`, { kind: 'config', member: c.member, entries, source });
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
    // a failing abort must not hide why the set failed
    await writer.abort().catch((abortErr: Error) => log(`warning: could not remove the partial set ${name}: ${abortErr.message}`));
    throw err;
  }
}
