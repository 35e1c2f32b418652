// The embedding API, like etcd's `embed` package: start a member in-process with the same
// configuration the `tetcd` command takes, await readiness, close cleanly.
import { join } from 'node:path';
import { bootstrapMember } from './server/bootstrap.js';
import { EtcdServer } from './server/server.js';
import { createLogger, silentLogger, type Logger } from './server/logger.js';
import { serveClientUrls } from './api/index.js';
import { defaultServerConfig, type ServerConfig } from './config/index.js';
import { ETCD_API_VERSION, CLUSTER_VERSION, TETCD_VERSION } from './config/version.js';
import { idToHex } from './server/membership.js';
import { startCompactor } from './server/compactor.js';
import { V2MemberAdapter } from './server/v2-member.js';
import { createTransport, type Transport } from './transport/index.js';
import { clientTlsFromConfig, peerTlsOptions, type PeerTls } from './tls/index.js';
import { ConfChangeType, MessageType } from './raft/index.js';
import type { MemberState } from './server/member-state.js';
import { CompactionRequest } from './proto/etcdserver/etcdserverpb/rpc.js';

export interface RunningServer {
  readonly name: string;
  readonly memberId: bigint;
  readonly clusterId: bigint;
  /** The client URLs actually listened on (resolved ports when port 0 was asked for). */
  readonly clientUrls: URL[];
  readonly server: EtcdServer;
  close(): Promise<void>;
}

export type StartOptions = Partial<ServerConfig> & {
  logger?: Logger | 'silent';
  /** Called if the member hits an unrecoverable error (a failed fsync) and stops serving writes. */
  onFatal?: (err: Error) => void;
  /** Called when the member was removed from its cluster and has stopped itself. */
  onRemoved?: () => void;
};

/** How long a member waits to become leader of its single-member cluster before giving up. */
const LEADER_WAIT_MS = 30_000;

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const cfg: ServerConfig = { ...defaultServerConfig(options.name), ...stripUndefined(options) };
  const logger = options.logger === 'silent' ? silentLogger() : options.logger ?? createLogger({ level: cfg.logLevel as 'info', output: cfg.logOutputs[0] });
  logger.info(
    { 'etcd-version': ETCD_API_VERSION, 'tetcd-version': TETCD_VERSION, 'node-version': process.version, 'data-dir': cfg.dataDir, name: cfg.name },
    'starting an etcd server',
  );
  // certificates are checked before anything starts, as etcd does
  const clientTls = await clientTlsFromConfig(cfg, logger);
  const peerTls = await peerTlsOptions(cfg, logger);
  const initialCluster = new Map<string, string[]>([...cfg.initialCluster].map(([n, urls]) => [n, urls.map(urlString)]));
  const state = await bootstrapMember({
    name: cfg.name,
    dataDir: cfg.dataDir,
    walDir: cfg.walDir || join(cfg.dataDir, 'member', 'wal'),
    initialCluster,
    initialClusterState: cfg.initialClusterState,
    initialClusterToken: cfg.initialClusterToken,
    advertisePeerUrls: cfg.initialAdvertisePeerUrls.map(urlString),
    forceNewCluster: cfg.forceNewCluster,
    snapshotCount: cfg.snapshotCount,
    authToken: cfg.authToken,
    authTokenTtl: cfg.authTokenTtl,
    bcryptCost: cfg.bcryptCost,
    heartbeatMs: cfg.heartbeatInterval,
    electionMs: cfg.electionTimeout,
    maxSnapshots: cfg.maxSnapshots,
    maxWals: cfg.maxWals,
    logger,
    onFatal: (err) => {
      logger.fatal({ error: err.message }, 'the raft loop failed; stopping the member');
      options.onFatal?.(err);
    },
  });
  const server = new EtcdServer(state, {
    name: cfg.name,
    maxRequestBytes: cfg.maxRequestBytes,
    maxTxnOps: cfg.maxTxnOps,
    heartbeatMs: cfg.heartbeatInterval,
    strictReconfigCheck: cfg.strictReconfigCheck,
    clientCertAuth: cfg.clientCertAuth,
    quotaBackendBytes: cfg.quotaBackendBytes > 0 ? cfg.quotaBackendBytes : DEFAULT_QUOTA_BYTES,
    electionMs: cfg.electionTimeout,
    logger,
  });
  if (cfg.enableV2) server.v2 = new V2MemberAdapter(server, state, cfg.name);
  let transport: Transport | undefined;
  // set once the member runs; a member removed from its cluster closes itself
  let stopSelf: () => Promise<void> = async () => undefined;
  try {
    transport = await startPeerTransport(cfg, state, server, logger, peerTls, () => {
      void stopSelf().catch(() => undefined);
      options.onRemoved?.();
    });
    state.raft.start();
    await server.becomeReady(LEADER_WAIT_MS, cfg.name, cfg.advertiseClientUrls.map(urlString), CLUSTER_VERSION);
    const listeners = await serveClientUrls(cfg.listenClientUrls, server, {
      maxRequestBytes: cfg.maxRequestBytes,
      maxTxnOps: cfg.maxTxnOps,
      logger,
      ...(clientTls ? { tls: clientTls } : {}),
    });
    const compactor = startCompactor(
      cfg.autoCompaction.mode,
      cfg.autoCompaction.retention,
      {
        currentRevision: () => server.currentRevision(),
        isLeader: () => server.isLeader(),
        compact: async (revision) => void (await server.compact(CompactionRequest.fromPartial({ revision: BigInt(revision) }), true)),
      },
      logger,
    );
    logger.info({}, 'ready to serve client requests');
    let closed = false;
    const running: RunningServer = {
      name: cfg.name,
      memberId: server.memberId,
      clusterId: server.clusterId,
      clientUrls: listeners.urls.map((u) => new URL(u)),
      server,
      async close() {
        if (closed) return;
        closed = true;
        logger.info({ name: cfg.name, 'local-member-id': idToHex(server.memberId) }, 'closing etcd server');
        compactor?.stop();
        await listeners.close();
        await server.close();
        await transport?.stop();
        logger.info({ name: cfg.name }, 'stopped serving peer traffic');
      },
    };
    stopSelf = () => running.close();
    return running;
  } catch (err) {
    await server.close();
    await transport?.stop();
    throw err;
  }
}

/**
 * The peer side of the member: raft messages to and from the other members, snapshots with
 * their db, the /members and /version endpoints joining members ask, lease renewals forwarded by
 * followers. Listens on --listen-peer-urls, as etcd does even for a single member.
 */
async function startPeerTransport(
  cfg: ServerConfig,
  state: MemberState,
  server: EtcdServer,
  logger: Logger,
  peerTls: PeerTls | undefined,
  onRemoved: () => void,
): Promise<Transport> {
  const node = state.raft.node;
  const transport = createTransport({
    memberId: state.memberId,
    clusterId: state.clusterId,
    listenPeerUrls: cfg.listenPeerUrls,
    ...(peerTls ? { tls: { server: peerTls.server.serverOptions(), client: peerTls.client() } } : {}),
    logger,
    onMessage: (m) => {
      try {
        node.step(m);
      } catch (err) {
        // a response from a member no longer in the configuration, or a dropped proposal
        logger.debug({ error: (err as Error).message, from: idToHex(m.from) }, 'raft message not stepped');
      }
      state.raft.kick();
    },
    onSnapshot: async (m) => {
      node.step(m);
      state.raft.kick();
    },
    snapDir: join(cfg.dataDir, 'member', 'snap'),
    members: () => [...state.members.values()],
    onLeaseRenew: (id) => server.leaseRenew(id),
    onMemberPromote: async (id) => (await server.promoteAsLeader(id)).members.map((m) => ({ id: m.ID, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner })),
  });
  const { addresses } = await transport.start();
  for (const a of addresses) logger.info({ address: a }, 'serving peer traffic');
  state.send = (msgs) => {
    const snaps = msgs.filter((m) => m.type === MessageType.MsgSnap);
    transport.send(snaps.length === 0 ? msgs : msgs.filter((m) => m.type !== MessageType.MsgSnap));
    for (const m of snaps) {
      state.mergedSnapshot(m).then(
        ({ msg, db }) => transport.sendSnapshot(msg, async () => db),
        (err: Error) => {
          logger.warn({ error: err.message, 'remote-peer-id': idToHex(m.to) }, 'failed to make a snapshot to send');
          node.reportSnapshot(m.to, false);
        },
      );
    }
  };
  transport.on('unreachable', (id) => node.reportUnreachable(id));
  transport.on('snapshotStatus', (id, ok) => node.reportSnapshot(id, ok));
  // A removed member stops, as etcd's does (it could only disrupt the cluster by campaigning).
  const removed = (by?: bigint) => {
    logger.warn({ 'local-member-id': idToHex(state.memberId), ...(by ? { 'removed-by': idToHex(by) } : {}) }, 'the member has been permanently removed from the cluster');
    setImmediate(() => onRemoved());
  };
  transport.on('removed', (by) => removed(by));
  const peers = state.members.size > 0 ? [...state.members.values()] : state.remotePeers;
  for (const m of peers) if (m.id !== state.memberId) transport.addPeer(m.id, m.peerURLs);
  state.onMembershipChange = (type, id, member) => {
    if (id === state.memberId) {
      if (type === ConfChangeType.RemoveNode) removed();
      return;
    }
    if (type === ConfChangeType.RemoveNode) transport.removePeer(id);
    else if (member) transport.addPeer(id, member.peerURLs);
    if (type === ConfChangeType.UpdateNode && member) transport.updatePeer(id, member.peerURLs);
  };
  server.forwardLeaseRenew = (leader, id) => transport.renewLease(leader, id);
  server.forwardMemberPromote = (leader, id) => transport.promoteMember(leader, id);
  server.peerActiveSince = (id) => transport.activeSince(id);
  return transport;
}

/** etcd's DefaultQuotaBytes: 2 GiB when --quota-backend-bytes is 0. */
const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

function urlString(u: URL | string): string {
  const s = typeof u === 'string' ? u : u.toString();
  return s.replace(/\/$/, '');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'logger' && k !== 'onFatal' && k !== 'onRemoved')) as Partial<T>;
}
