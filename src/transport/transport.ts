/**
 * createTransport: the peer port (server side) and one stream writer per
 * peer (client side), as etcd's rafthttp.Transport.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { idString, type LocalIdentity } from './headers.js';
import { renewLeaseAt } from './leases.js';
import { promoteMemberAt } from './promote.js';
import { UrlPicker } from './peer-client.js';
import { peerHandler } from './peer-handler.js';
import { PeerStatus } from './peer-status.js';
import { sendSnapshot, type SnapshotDb } from './snapshot-sender.js';
import { StreamReceiver } from './stream-receiver.js';
import { StreamWriter } from './stream-writer.js';
import type { PeerMember, Transport, TransportOptions } from './types.js';
import { MessageType, type Message } from '../raft/index.js';

interface Peer {
  picker: UrlPicker;
  status: PeerStatus;
  writer: StreamWriter;
}

export function createTransport(opts: TransportOptions): Transport {
  return new PeerTransport(opts);
}

class PeerTransport extends EventEmitter implements Transport {
  private readonly peers = new Map<bigint, Peer>();
  /** Removed members stay refused (410), as etcd's cluster remembers removed IDs. */
  private readonly removed = new Set<bigint>();
  private readonly servers: http.Server[] = [];
  private readonly local: LocalIdentity;
  private readonly streams: StreamReceiver;
  private readonly abort = new AbortController();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private advertised: string[];
  private stopped = false;

  constructor(private readonly o: TransportOptions) {
    super();
    this.advertised = o.listenPeerUrls.map((u) => u.href.replace(/\/$/, ''));
    this.local = { memberId: o.memberId, clusterId: o.clusterId, urls: () => this.advertised };
    this.streams = new StreamReceiver({
      memberId: o.memberId,
      clusterId: o.clusterId,
      logger: o.logger,
      isPeer: (id) => this.peers.has(id),
      isRemoved: (id) => this.removed.has(id),
      onMessage: (m) => o.onMessage(m),
    });
  }

  private get fields(): object {
    return { 'local-member-id': idString(this.o.memberId) };
  }

  async start(): Promise<{ addresses: string[] }> {
    const handler = peerHandler({
      local: this.local,
      logger: this.o.logger,
      streams: this.streams,
      snapshot: { memberId: this.o.memberId, snapDir: this.o.snapDir, logger: this.o.logger, onSnapshot: (m, p) => this.o.onSnapshot(m, p) },
      members: () => this.o.members(),
      onLeaseRenew: this.o.onLeaseRenew?.bind(this.o),
      onMemberPromote: this.o.onMemberPromote?.bind(this.o),
    });
    const addresses: string[] = [];
    for (const u of this.o.listenPeerUrls) {
      const srv = this.createServer(u, handler);
      this.servers.push(srv);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(u.port === '' ? 0 : Number(u.port), host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      const port = (srv.address() as AddressInfo).port;
      addresses.push(`${u.protocol}//${u.hostname}:${port}`);
      this.o.logger.info({ ...this.fields, address: addresses[addresses.length - 1] }, 'serving peer traffic');
    }
    this.advertised = addresses;
    return { addresses };
  }

  private createServer(u: URL, handler: http.RequestListener): http.Server {
    let srv: http.Server;
    if (u.protocol === 'https:') {
      if (this.o.tls?.server === undefined) throw new Error(`listen peer URL ${u.href} is https but no peer TLS server options were given`);
      const s = https.createServer({ ...this.o.tls.server }, handler);
      s.on('tlsClientError', (err, socket) =>
        this.o.logger.warn({ ...this.fields, 'remote-addr': socket.remoteAddress, error: err.message }, 'rejected connection'),
      );
      srv = s;
    } else if (u.protocol === 'http:') {
      srv = http.createServer(handler);
    } else {
      throw new Error(`unsupported listen peer URL scheme ${u.protocol}`);
    }
    // Message streams and snapshot uploads are long-lived requests: no whole-request deadline.
    srv.requestTimeout = 0;
    return srv;
  }

  addPeer(id: bigint, urls: string[]): void {
    if (this.stopped || id === this.o.memberId || this.peers.has(id)) return;
    this.removed.delete(id);
    const picker = new UrlPicker(urls);
    const status = new PeerStatus(id, this.o.logger);
    const writer = new StreamWriter({
      peerId: id,
      local: this.local,
      picker,
      status,
      logger: this.o.logger,
      tls: this.o.tls?.client,
      unreachable: () => this.emit('unreachable', id),
      removed: () => this.emit('removed', id),
    });
    this.peers.set(id, { picker, status, writer });
    this.o.logger.info({ ...this.fields, 'remote-peer-id': idString(id), 'remote-peer-urls': urls }, 'added remote peer');
  }

  updatePeer(id: bigint, urls: string[]): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.picker.update(urls);
    p.writer.reconnect();
    this.o.logger.info({ ...this.fields, 'remote-peer-id': idString(id), 'remote-peer-urls': urls }, 'updated remote peer');
  }

  removePeer(id: bigint): void {
    const p = this.peers.get(id);
    this.removed.add(id);
    this.streams.close(id);
    if (p === undefined) return;
    p.writer.stop();
    this.peers.delete(id);
    this.o.logger.info({ ...this.fields, 'remote-peer-id': idString(id) }, 'removed remote peer');
  }

  send(msgs: Message[]): void {
    const byPeer = new Map<bigint, Message[]>();
    for (const m of msgs) {
      if (m.to === 0n) continue;
      if (m.type === MessageType.MsgSnap) {
        // A MsgSnap without its db is useless to the follower; tell raft it failed so it retries.
        this.o.logger.warn({ ...this.fields, 'remote-peer-id': idString(m.to) }, 'MsgSnap must be sent with sendSnapshot; dropped');
        this.emit('snapshotStatus', m.to, false);
        continue;
      }
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [id, list] of byPeer) {
      const p = this.peers.get(id);
      if (p === undefined) {
        this.o.logger.debug({ type: MessageType[list[0]!.type], 'unknown-target-peer-id': idString(id) }, 'ignored message send request; unknown remote peer target');
        continue;
      }
      if (!p.writer.enqueue(list)) this.emit('unreachable', id);
    }
  }

  sendSnapshot(m: Message, db: () => Promise<SnapshotDb>): void {
    const p = this.peers.get(m.to);
    if (p === undefined) {
      this.o.logger.debug({ ...this.fields, 'unknown-target-peer-id': idString(m.to) }, 'ignored snapshot send request; unknown remote peer target');
      queueMicrotask(() => this.emit('snapshotStatus', m.to, false));
      return;
    }
    void sendSnapshot({ local: this.local, picker: p.picker, logger: this.o.logger, tls: this.o.tls?.client, signal: this.abort.signal }, m, db).then((ok) => {
      if (this.stopped) return;
      if (!ok) this.emit('unreachable', m.to);
      this.emit('snapshotStatus', m.to, ok);
    });
  }

  promoteMember(leaderId: bigint, id: bigint): Promise<PeerMember[]> {
    const p = this.peers.get(leaderId);
    if (p === undefined) return Promise.reject(new Error(`unknown leader member ${idString(leaderId)}`));
    const url = p.picker.pick();
    return promoteMemberAt(new URL(url.href), this.local, id, { tls: this.o.tls?.client, agents: this.agents, signal: this.abort.signal }).catch((err: Error) => {
      if (err.name !== 'PromoteRefusedError') p.picker.unreachable(url);
      throw err;
    });
  }

  renewLease(leaderId: bigint, id: bigint): Promise<number> {
    const p = this.peers.get(leaderId);
    if (p === undefined) return Promise.reject(new Error(`unknown leader member ${idString(leaderId)}`));
    const url = p.picker.pick();
    return renewLeaseAt(new URL(url.href), this.local, id, { tls: this.o.tls?.client, agents: this.agents, signal: this.abort.signal }).catch((err: Error) => {
      if (err.name !== 'LeaseNotFoundError') p.picker.unreachable(url);
      throw err;
    });
  }

  isActive(id: bigint): boolean {
    return this.activeSince(id) !== undefined;
  }

  activeSince(id: bigint): Date | undefined {
    return this.peers.get(id)?.status.activeSince;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const p of this.peers.values()) p.writer.stop();
    this.peers.clear();
    this.streams.closeAll();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
