// `tetcd-backup restore`: the guide's procedure from a verified set. Config dirs go back first
// (each member's own certificates), then the snapshot becomes a new single-member cluster, then
// the other members join one at a time; the commands for those steps are printed exactly,
// since they run on other hosts; with --add-members the tool itself adds them one at a time
// through the started member and waits for each to be started. A set with any problem is refused before anything is written.
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
import { V3Client, errorText } from '../client/v3.js';
import { RangeRequest, type Member as PbMember, type MemberAddResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';
import type { DecryptKeys } from './keys.js';
import type { Manifest, ManifestMember } from './manifest.js';
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
  /** The restored member's client URL (where the other members are added). */
  clientUrl: string;
  peerUrl: string;
  pid?: number;
  logPath?: string;
}

export class RestoreRefused extends Error {}

export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

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

/** etcd's command line that starts member `m` on its host, joining the cluster `initialCluster`. */
export function memberStartCommand(m: ManifestMember, initialCluster: string, enableV2: boolean): string {
  const client = m.clientURLs[0] ?? 'http://127.0.0.1:2379';
  return [
    'etcd', `--name=${m.name}`, `--data-dir=/var/lib/etcd`, `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`, `--listen-peer-urls=${m.peerURLs[0]}`,
    `--initial-advertise-peer-urls=${m.peerURLs.join(',')}`, `--initial-cluster=${initialCluster}`, '--initial-cluster-state=existing',
    ...(enableV2 ? ['--enable-v2=true'] : []),
  ].map(shellQuote).join(' ');
}

/**
 * The commands that add `members` one at a time through `endpoint` and start each, numbered
 * from `step`, for a cluster that is `cluster` so far (name=peerURL,...).
 */
export function manualSteps(endpoint: string, cluster: string, members: ManifestMember[], enableV2: boolean, step: number): string[] {
  const lines: string[] = [];
  for (const m of members) {
    cluster += `,${m.peerURLs.map((u) => `${m.name}=${u}`).join(',')}`;
    lines.push(
      `# ${step++}. add member ${m.name}, then on its host (config dir restored, empty data dir) start it`,
      `etcdctl --endpoints=${endpoint} member add ${shellQuote(m.name)} --peer-urls=${m.peerURLs.join(',')}${m.isLearner ? ' --learner' : ''}`,
      memberStartCommand(m, cluster, enableV2),
      `etcdctl --endpoints=${endpoint} endpoint health --cluster`,
    );
  }
  return lines;
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
    commands.push(...manualSteps(clientUrl, `${o.name}=${peerUrl}`, manifest.members.filter((x) => x.name !== o.name), v2.restored, 2));
    const outcome: RestoreOutcome = { manifest, restored, configsRestored, v2, commands, clientUrl, peerUrl };
    if (o.start) {
      const logPath = `${resolve(o.dataDir)}.log`;
      outcome.pid = await startDetached(o.tetcdCommand, startArgs, logPath).catch((err: Error) => {
        throw new Error(`${err.message}; the data dir ${resolve(o.dataDir)} is restored, start the member by hand: ${commands[1]}`);
      });
      outcome.logPath = logPath;
      outcome.commands[0] = `# 1. started: pid ${outcome.pid}, log ${logPath}`;
    }
    return outcome;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---- --add-members: the rest of the guide's procedure, driven from here ----

/** How long the started member has to answer Status before the members are added. */
const RESTORED_READY_TIMEOUT_MS = 60_000;
/** How long a MemberAdd is retried while etcd says "unhealthy cluster" (its 5 s connection rule). */
const ADD_RETRY_BOUND_MS = 60_000;
/** How long a started member's client URL gets to answer Status before it is noted unreachable from here. */
const STATUS_GRACE_MS = 10_000;
const HEALTH_BOUND_MS = 10_000;
const CALL_TIMEOUT_MS = 3000;
const POLL_MS = 500;

/** An added member not started within the join timeout (the caller says how to continue). */
class JoinTimeout extends Error {}

export interface AddMembersOptions {
  /** The restored, started member's client URL: every change goes through it. */
  endpoint: string;
  /** The other members of the backed-up cluster, added in this order. */
  members: ManifestMember[];
  /** How long each member has, once added, to be started on its host. */
  joinTimeoutMs: number;
  /** Start commands carry --enable-v2 (the v2 store was restored). */
  enableV2: boolean;
  /** What to tell about a member's config dir. */
  configNote: (member: string) => string;
  /** Receives each block of output whole, at once (the operator acts on it). */
  output: (text: string) => void;
  /** The restored member's process and log, to stop early (and say where to look) when it died. */
  pid?: number;
  logPath?: string;
}

export interface MemberHealth {
  name: string;
  endpoint: string;
  healthy: boolean;
  /** Time of the health read ("1.234ms") or why it failed. */
  detail: string;
  revision?: number;
  raftIndex?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hexId = (id: bigint) => id.toString(16);
const deadlineIn = (ms: number) => new Date(Date.now() + ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `endpoint` answers Status; the restored member died or stayed silent is an error. */
async function waitRestoredReady(c: V3Client, o: AddMembersOptions): Promise<void> {
  const deadline = Date.now() + RESTORED_READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (o.pid !== undefined && !alive(o.pid)) throw new Error(`the restored member (pid ${o.pid}) exited${o.logPath ? `; see ${o.logPath}` : ''}`);
    try {
      await c.unary('maintenance', 'status', {}, { deadline: deadlineIn(CALL_TIMEOUT_MS) });
      return;
    } catch (err) {
      last = errorText(err);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`the restored member at ${o.endpoint} did not answer within ${RESTORED_READY_TIMEOUT_MS / 1000} s (${last})${o.logPath ? `; see ${o.logPath}` : ''}`);
}

/** MemberAdd, retried (bounded) while the cluster is "unhealthy": a member joined less than 5 s ago. */
async function memberAdd(c: V3Client, m: ManifestMember): Promise<MemberAddResponse> {
  const deadline = Date.now() + ADD_RETRY_BOUND_MS;
  for (;;) {
    try {
      return await c.unary('cluster', 'memberAdd', { peerURLs: m.peerURLs, isLearner: m.isLearner }, { deadline: deadlineIn(CALL_TIMEOUT_MS * 2) });
    } catch (err) {
      const text = errorText(err);
      if (!text.includes('unhealthy cluster') || Date.now() > deadline) throw new Error(`cannot add member ${m.name}: ${text}`);
    }
    await sleep(POLL_MS);
  }
}

/** Whether the voters other than the one just added are short of a quorum (a two-member cluster is). */
function quorumLost(resp: MemberAddResponse): boolean {
  const voters = resp.members.filter((x) => !x.isLearner).length;
  return !resp.member!.isLearner && voters - 1 < Math.floor(voters / 2) + 1;
}

/** etcdctl member add's ETCD_INITIAL_CLUSTER: every member's name=peerURL, the new one under its name. */
function initialClusterOf(resp: MemberAddResponse, id: bigint, name: string): string {
  return resp.members.flatMap((x) => x.peerURLs.map((u) => `${x.ID === id ? name : x.name}=${u}`)).join(',');
}

/**
 * Waits until member `id` has started: the member list shows it with its name (a member
 * publishes its name once it serves), then its client URL answers Status, if it is reachable
 * from here at all. Resolves to a line saying so; rejects when joinTimeoutMs passes first.
 */
async function waitStarted(c: V3Client, id: bigint, name: string, o: AddMembersOptions): Promise<string> {
  const deadline = Date.now() + o.joinTimeoutMs;
  let published: PbMember | undefined;
  while (!published) {
    if (Date.now() >= deadline) throw new JoinTimeout();
    try {
      const list = await c.unary('cluster', 'memberList', {}, { deadline: deadlineIn(Math.min(CALL_TIMEOUT_MS, Math.max(deadline - Date.now(), 1))) });
      published = list.members.find((x) => x.ID === id && x.name !== '');
    } catch {
      // the restored member busy (a new voter costs the quorum until it runs): ask again
    }
    if (!published) await sleep(Math.min(POLL_MS, Math.max(deadline - Date.now(), 0)));
  }
  const url = published.clientURLs[0];
  if (!url) return `member ${name} started (ID ${hexId(id)}), it advertises no client URL`;
  const mc = new V3Client({ endpoints: [url], dialTimeoutMs: CALL_TIMEOUT_MS });
  try {
    const s = await mc.unary('maintenance', 'status', {}, { deadline: deadlineIn(Math.min(STATUS_GRACE_MS, Math.max(deadline - Date.now(), CALL_TIMEOUT_MS))) });
    return `member ${name} started (ID ${hexId(id)}): ${url} revision ${s.header?.revision ?? 0n}, raft index ${s.raftIndex}`;
  } catch (err) {
    return `member ${name} started (ID ${hexId(id)}, in the member list); its client URL ${url} does not answer from here: ${errorText(err)}`;
  } finally {
    mc.close();
  }
}

/** `endpoint health --cluster` and `endpoint status` of every member, as the restored member lists them. */
async function clusterHealth(c: V3Client): Promise<MemberHealth[]> {
  const list = await c.unary('cluster', 'memberList', {}, { deadline: deadlineIn(CALL_TIMEOUT_MS) });
  return Promise.all(
    list.members.map(async (m): Promise<MemberHealth> => {
      const endpoint = m.clientURLs[0] ?? '';
      if (!endpoint) return { name: m.name, endpoint: `(member ${hexId(m.ID)})`, healthy: false, detail: 'not started: no client URL' };
      const mc = new V3Client({ endpoints: [endpoint], dialTimeoutMs: CALL_TIMEOUT_MS });
      const deadline = Date.now() + HEALTH_BOUND_MS;
      let detail = '';
      try {
        while (Date.now() < deadline) {
          const start = performance.now();
          try {
            // what etcdctl endpoint health does: a linearizable read through raft
            await mc.unary('kv', 'range', RangeRequest.fromPartial({ key: Buffer.from('health') }), { deadline: deadlineIn(CALL_TIMEOUT_MS), endpoint: 0 });
            const took = `${(performance.now() - start).toFixed(3)}ms`;
            const s = await mc.unary('maintenance', 'status', {}, { deadline: deadlineIn(CALL_TIMEOUT_MS), endpoint: 0 });
            return { name: m.name, endpoint, healthy: true, detail: took, revision: Number(s.header?.revision ?? 0n), raftIndex: Number(s.raftIndex) };
          } catch (err) {
            detail = errorText(err);
            if (detail === 'etcdserver: permission denied') return { name: m.name, endpoint, healthy: true, detail: 'permission denied (answers)' };
          }
          await sleep(POLL_MS);
        }
        return { name: m.name, endpoint, healthy: false, detail };
      } finally {
        mc.close();
      }
    }),
  );
}

/**
 * Adds `o.members` one at a time through the restored member: MemberAdd (retried while the
 * cluster is "unhealthy"), the exact start command for that member's host, then a bounded wait
 * until it has started, before the next one, since a member added but not started costs the
 * cluster its quorum until it comes. Ends with every member's health; a member that did not
 * start in time, or an unhealthy end, is an error that says how to continue by hand.
 */
export async function addMembers(o: AddMembersOptions): Promise<MemberHealth[]> {
  const c = new V3Client({ endpoints: [o.endpoint], dialTimeoutMs: CALL_TIMEOUT_MS });
  try {
    await waitRestoredReady(c, o);
    for (const [i, m] of o.members.entries()) {
      const resp = await memberAdd(c, m);
      const id = resp.member!.ID;
      const cluster = initialClusterOf(resp, id, m.name);
      const command = memberStartCommand(m, cluster, o.enableV2);
      o.output(
        [
          `# member ${m.name} added (ID ${hexId(id)}); start it on its host now, with an empty data dir:`,
          `ETCD_NAME=${JSON.stringify(m.name)}`,
          `ETCD_INITIAL_CLUSTER=${JSON.stringify(cluster)}`,
          `ETCD_INITIAL_ADVERTISE_PEER_URLS=${JSON.stringify(m.peerURLs.join(','))}`,
          `ETCD_INITIAL_CLUSTER_STATE="existing"`,
          `start member ${m.name}: ${command}`,
          `config dir of ${m.name}: ${o.configNote(m.name)}`,
          `# waiting up to ${o.joinTimeoutMs / 1000} s for ${m.name} to start`,
        ].join('\n') + '\n',
      );
      try {
        o.output(`${await waitStarted(c, id, m.name, o)}\n`);
      } catch (err) {
        if (!(err instanceof JoinTimeout)) throw err;
        const rest = manualSteps(o.endpoint, cluster, o.members.slice(i + 1), o.enableV2, 1);
        throw new Error(
          [
            `member ${m.name} (ID ${hexId(id)}) is added but has not started within ${o.joinTimeoutMs / 1000} s${quorumLost(resp) ? '; the cluster has no quorum until it does' : ''}.`,
            `To continue by hand: on ${m.name}'s host, with an empty data dir, run`,
            `  ${command}`,
            ...(rest.length > 0 ? ['then add the remaining members one by one:', ...rest.map((l) => `  ${l}`)] : []),
            `or give up on ${m.name}: etcdctl --endpoints=${o.endpoint} member remove ${hexId(id)}`,
          ].join('\n'),
        );
      }
    }
    const health = await clusterHealth(c);
    o.output(
      [
        '# cluster health (etcdctl endpoint health --cluster):',
        ...health.map((h) => (h.healthy ? `${h.endpoint} is healthy: successfully committed proposal: took = ${h.detail}` : `${h.endpoint} is unhealthy: failed to commit proposal: ${h.detail}`)),
        ...health.filter((h) => h.revision !== undefined).map((h) => `member ${h.name}: ${h.endpoint} revision ${h.revision}, raft index ${h.raftIndex}`),
      ].join('\n') + '\n',
    );
    const sick = health.filter((h) => !h.healthy);
    if (sick.length > 0) throw new Error(`all members added, but ${sick.map((h) => `${h.name || h.endpoint} is unhealthy (${h.detail})`).join(', ')}`);
    return health;
  } finally {
    c.close();
  }
}
