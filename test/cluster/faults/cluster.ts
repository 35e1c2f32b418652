// A cluster of tetcd processes on loopback, each with its own ports and data dir, that tests
// can hurt: SIGKILL and restart a member, freeze one (SIGSTOP) so it is cut off from its peers
// and the clients, and thaw it. Everything is bounded and the data dirs are removed at the end.
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { MaintenanceClient, MoveLeaderRequest, StatusRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { PeerProxy, Partitions } from './partition.js';
import { freePorts, makeTempDir, removeDir, sleep, startServer, TETCD_BIN, unary, type ServerProcess } from '../../helpers/index.js';

/** Raft timing for the tests: fast elections so faults resolve within a second or two. */
export const HEARTBEAT_MS = 50;
export const ELECTION_MS = 500;
const STATUS_TIMEOUT_MS = 1000;
const LEADER_POLL_MS = 100;
const LEADER_WAIT_MS = 15_000;
const START_TIMEOUT_MS = 30_000;
const MOVE_LEADER_TIMEOUT_MS = 5000;

/** gRPC channel options: reconnect quickly to a restarted member instead of backing off for seconds. */
export const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 500,
};

export class ClusterMember {
  proc: ServerProcess | undefined;
  frozen = false;
  /** Set by the test while a partition cuts this member off from its peers. */
  isolated = false;
  /** Set by the test once the member was removed from the cluster. */
  removed = false;
  /** Set once the member has answered a status request. */
  id = 0n;
  private statusClient: MaintenanceClient | undefined;

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
    private readonly flags: () => string[],
    /** The peer port the member advertises: its own, or its partition proxy's. */
    readonly advertisedPeerPort = peerPort,
  ) {}

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }
  get peerUrl(): string {
    return `http://127.0.0.1:${this.advertisedPeerPort}`;
  }
  get running(): boolean {
    return this.proc !== undefined;
  }

  async start(): Promise<void> {
    this.proc = await startServer({
      command: process.execPath,
      args: [TETCD_BIN, ...this.flags()],
      healthUrl: `http://${this.endpoint}/health`,
      readyTimeoutMs: START_TIMEOUT_MS,
    });
  }

  async kill9(): Promise<void> {
    if (this.frozen) this.thaw();
    await this.proc?.kill9();
    this.proc = undefined;
  }

  /** SIGSTOP: the process keeps its sockets but answers nobody, as behind a partition. */
  freeze(): void {
    if (!this.proc || this.frozen) return;
    process.kill(this.proc.pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (!this.proc || !this.frozen) return;
    process.kill(this.proc.pid, 'SIGCONT');
    this.frozen = false;
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.proc?.stop();
    this.proc = undefined;
    this.statusClient?.close();
    this.statusClient = undefined;
  }

  /** This member's status, or undefined if it does not answer in time. */
  async status(): Promise<{ id: bigint; leader: bigint; revision: number } | undefined> {
    if (!this.running || this.frozen) return undefined;
    this.statusClient ??= new MaintenanceClient(this.endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
    try {
      const r = await unary(this.statusClient, this.statusClient.status, StatusRequest.fromPartial({}), STATUS_TIMEOUT_MS);
      this.id = r.header!.member_id;
      return { id: this.id, leader: r.leader, revision: Number(r.header!.revision) };
    } catch {
      return undefined;
    }
  }

  /** Ask this member (the leader) to hand leadership to target. */
  async moveLeader(target: ClusterMember): Promise<void> {
    this.statusClient ??= new MaintenanceClient(this.endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
    await unary(this.statusClient, this.statusClient.moveLeader, MoveLeaderRequest.fromPartial({ targetID: target.id }), MOVE_LEADER_TIMEOUT_MS);
  }

  stderr(): string {
    return this.proc?.stderr() ?? '';
  }
}

export class ProcessCluster {
  private constructor(
    readonly members: ClusterMember[],
    private readonly dir: string,
    private readonly extraFlags: readonly string[],
    /** Set when the members' peer traffic passes partition proxies. */
    readonly partitions?: Partitions,
  ) {}

  /**
   * Start `size` members together as a new cluster and wait until they agree on a leader. With
   * `partitionable`, each member advertises a proxy's port so links can be cut (partition.ts).
   */
  static async start(size: number, extraFlags: readonly string[] = [], opts: { partitionable?: boolean } = {}): Promise<ProcessCluster> {
    const dir = await makeTempDir('faults');
    const cluster = new ProcessCluster([], dir, extraFlags, opts.partitionable ? new Partitions() : undefined);
    try {
      const ports = await freePorts(3 * size);
      const slots = Array.from({ length: size }, (_, i) => ({
        name: `m${i + 1}`,
        clientPort: ports[3 * i]!,
        peerPort: ports[3 * i + 1]!,
        advertised: opts.partitionable ? ports[3 * i + 2]! : ports[3 * i + 1]!,
      }));
      const initialCluster = slots.map((s) => `${s.name}=http://127.0.0.1:${s.advertised}`).join(',');
      for (const s of slots) {
        const m = cluster.member(s.name, s.clientPort, s.peerPort, initialCluster, 'new', s.advertised);
        cluster.members.push(m);
        if (cluster.partitions) await new PeerProxy(s.advertised, s.peerPort, () => m.id, cluster.partitions).start();
      }
      await Promise.all(cluster.members.map((m) => m.start()));
      // The proxies identify members by ID: learn every member's.
      if (cluster.partitions) await Promise.all(cluster.members.map((m) => m.status()));
      await cluster.leader();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /**
   * A new member process that joins with --initial-cluster-state=existing; the caller must have
   * added its peer URL (peerUrl) to the cluster first, then start()s it.
   */
  async newJoiner(name: string): Promise<ClusterMember> {
    const [clientPort, peerPort] = await freePorts(2);
    const others = this.members.filter((m) => !m.removed).map((m) => `${m.name}=${m.peerUrl}`);
    const initialCluster = [...others, `${name}=http://127.0.0.1:${peerPort}`].join(',');
    const m = this.member(name, clientPort!, peerPort!, initialCluster, 'existing');
    this.members.push(m);
    return m;
  }

  private member(name: string, clientPort: number, peerPort: number, initialCluster: string, state: 'new' | 'existing', advertisedPeerPort = peerPort): ClusterMember {
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(this.dir, name);
    return new ClusterMember(name, clientPort, peerPort, dataDir, () => [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${advertisedPeerPort}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      '--initial-cluster-token=faults',
      `--heartbeat-interval=${HEARTBEAT_MS}`,
      `--election-timeout=${ELECTION_MS}`,
      ...this.extraFlags,
    ], advertisedPeerPort);
  }

  /** The leader every running, unfrozen member agrees on (polled within a bound). */
  async leader(): Promise<ClusterMember> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      const live = this.members.filter((m) => m.running && !m.frozen && !m.removed && !m.isolated);
      const statuses = await Promise.all(live.map((m) => m.status()));
      const leaders = new Set(statuses.map((s) => s?.leader ?? 0n));
      last = statuses.map((s, i) => `${live[i]!.name}: ${s ? `leader ${s.leader.toString(16)}` : 'no answer'}`).join(', ');
      const [only] = leaders;
      if (leaders.size === 1 && only !== 0n) {
        const leader = this.members.find((m) => m.id === only);
        if (leader?.running && !leader.frozen && !leader.isolated) return leader;
      }
      await sleep(LEADER_POLL_MS);
    }
    throw new Error(`no agreed leader within ${LEADER_WAIT_MS} ms (${last})`);
  }

  /** The leader, moved away from `avoid` first if it is there. */
  async leaderOtherThan(avoid: ClusterMember): Promise<ClusterMember> {
    const leader = await this.leader();
    if (leader !== avoid) return leader;
    const target = this.members.find((m) => m !== avoid && m.running && !m.frozen && m.id !== 0n);
    if (!target) throw new Error(`no member to move leadership to from ${avoid.name}`);
    await leader.moveLeader(target);
    const next = await this.leader();
    if (next === avoid) throw new Error(`leadership stayed on ${avoid.name} after move-leader`);
    return next;
  }

  /** Stop every member and remove the data dirs. */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop().catch(() => undefined)));
    await this.partitions?.close();
    await removeDir(this.dir);
  }
}
