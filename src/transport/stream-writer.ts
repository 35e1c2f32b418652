/**
 * The outgoing message stream to one peer: one long-lived HTTP request whose
 * body is a sequence of frames (frame.ts), so every message to that peer -
 * heartbeats and appends alike - arrives in the order raft produced it.
 *
 * etcd's stream is dialled by the receiver and written by the sender over the
 * response; here the sender dials and writes the request body. One side owns
 * the connection, and Node's HTTP client streams request bodies natively.
 *
 * Messages wait in a bounded queue (etcd's streamBufSize, 4096) while the
 * stream connects or the socket is congested. While the peer is down they are
 * dropped at once and reported unreachable, as etcd's failing pipeline does,
 * so raft probes the peer instead of piling up stale appends.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { encodeFrame, HEARTBEAT_FRAME } from './frame.js';
import { H_CLUSTER_ID, idString, requestHeaders, type LocalIdentity } from './headers.js';
import { dial, readBody, type UrlPicker } from './peer-client.js';
import type { PeerStatus } from './peer-status.js';
import type { TransportLogger } from './types.js';
import { MessageType, type Message } from '../raft/index.js';
import type { ConnectionOptions } from 'node:tls';

export const STREAM_BUF_SIZE = 4096;
/** etcd's ConnReadTimeout / ConnWriteTimeout. */
export const CONN_READ_TIMEOUT_MS = 5000;
export const CONN_WRITE_TIMEOUT_MS = 5000;
/** A link heartbeat this often keeps an idle stream inside the receiver's read timeout. */
export const LINK_HEARTBEAT_MS = Math.floor(CONN_READ_TIMEOUT_MS / 3);
export const DIAL_BACKOFF_INITIAL_MS = 100;
export const DIAL_BACKOFF_MAX_MS = 1000;

export const STREAM_PATH_PREFIX = '/raft/stream/message/';
const STREAM_TYPE = 'stream Message';

export interface StreamWriterDeps {
  peerId: bigint;
  local: LocalIdentity;
  picker: UrlPicker;
  status: PeerStatus;
  logger: TransportLogger;
  tls: ConnectionOptions | undefined;
  /** Messages to this peer were dropped: raft should treat it as unreachable. */
  unreachable(): void;
  /** The peer refused us as a removed member (410). */
  removed(): void;
}

type State = 'connecting' | 'connected' | 'down' | 'stopped';

export class StreamWriter {
  private state: State = 'down';
  private queue: Message[] = [];
  private req: ClientRequest | undefined;
  private congested = false;
  private flushScheduled = false;
  private wroteSinceHeartbeat = false;
  private backoffMs = DIAL_BACKOFF_INITIAL_MS;
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly d: StreamWriterDeps) {
    this.connect();
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Queues messages; returns false when some were dropped. */
  enqueue(msgs: Message[]): boolean {
    if (this.state === 'stopped') return false;
    if (this.state === 'down') return false;
    let dropped = 0;
    for (const m of msgs) {
      if (this.queue.length >= STREAM_BUF_SIZE) {
        dropped++;
        this.logDrop(m);
      } else this.queue.push(m);
    }
    this.scheduleFlush();
    return dropped === 0;
  }

  /** Closes the stream now, for example after the peer's URLs changed. */
  reconnect(): void {
    if (this.state === 'stopped') return;
    this.fail(new Error('peer URLs updated'), false);
  }

  stop(): void {
    if (this.state === 'stopped') return;
    const wasConnected = this.state === 'connected';
    this.state = 'stopped';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue = [];
    this.req?.destroy();
    this.req = undefined;
    if (wasConnected) this.d.status.deactivate('stopped');
    this.d.logger.info({ 'stream-writer-type': STREAM_TYPE, 'local-member-id': idString(this.d.local.memberId), 'remote-peer-id': idString(this.d.peerId) }, 'stopped TCP streaming connection with remote peer');
  }

  private logDrop(m: Message): void {
    this.d.logger.warn(
      { 'message-type': MessageType[m.type], 'local-member-id': idString(this.d.local.memberId), from: idString(m.from), 'remote-peer-id': idString(this.d.peerId), 'remote-peer-active': this.connected },
      'dropped internal Raft message since sending buffer is full (overloaded network)',
    );
  }

  private fields(extra: object = {}): object {
    return { 'stream-writer-type': STREAM_TYPE, 'local-member-id': idString(this.d.local.memberId), 'remote-peer-id': idString(this.d.peerId), ...extra };
  }

  private after(ms: number, f: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private connect(): void {
    this.state = 'connecting';
    const url = this.d.picker.pick();
    const req = dial(url, {
      method: 'POST',
      path: STREAM_PATH_PREFIX + idString(this.d.local.memberId),
      headers: { ...requestHeaders(this.d.local, this.d.peerId), 'content-type': 'application/octet-stream' },
      tls: this.d.tls,
    });
    this.req = req;
    const dialTimer = this.after(CONN_READ_TIMEOUT_MS, () => this.failIf(req, new Error('timed out waiting for the stream to be accepted')));
    req.on('error', (err) => this.failIf(req, err));
    req.on('response', (res) => {
      clearTimeout(dialTimer);
      this.timers.delete(dialTimer);
      if (res.statusCode === 200) this.established(req, res);
      else void this.refused(req, res, url);
    });
    req.flushHeaders();
  }

  private established(req: ClientRequest, res: IncomingMessage): void {
    if (this.req !== req) return;
    this.state = 'connected';
    this.backoffMs = DIAL_BACKOFF_INITIAL_MS;
    this.d.status.activate();
    this.d.logger.info(this.fields(), 'established TCP streaming connection with remote peer');
    res.on('data', () => undefined);
    res.on('end', () => this.failIf(req, new Error('stream closed by remote peer')));
    res.on('error', (err) => this.failIf(req, err));
    res.on('close', () => this.failIf(req, new Error('stream closed by remote peer')));
    this.heartbeat(req);
    this.scheduleFlush();
  }

  private async refused(req: ClientRequest, res: IncomingMessage, url: URL): Promise<void> {
    const body = (await readBody(res).catch(() => Buffer.alloc(0))).toString().trim();
    const error = `unexpected http status ${res.statusCode} (${body})`;
    if (res.statusCode === 412 && body.includes('cluster ID mismatch')) {
      this.d.logger.warn(
        this.fields({ 'remote-peer-cluster-id': res.headers[H_CLUSTER_ID], 'local-member-cluster-id': idString(this.d.local.clusterId), error: 'cluster ID mismatch' }),
        'request sent was ignored by remote peer due to cluster ID mismatch',
      );
    } else if (res.statusCode === 410) {
      this.d.logger.error(this.fields({ error: 'the member has been permanently removed from the cluster' }), 'failed to dial stream');
      this.d.removed();
    } else {
      this.d.logger.debug(this.fields({ address: url.href, error }), 'failed to dial stream');
    }
    this.failIf(req, new Error(error));
  }

  /** Link heartbeats while idle, so the receiver's read timeout only fires on a dead link. */
  private heartbeat(req: ClientRequest): void {
    this.after(LINK_HEARTBEAT_MS, () => {
      if (this.req !== req || this.state !== 'connected') return;
      if (!this.wroteSinceHeartbeat && !this.congested) req.write(HEARTBEAT_FRAME);
      this.wroteSinceHeartbeat = false;
      this.heartbeat(req);
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One write per event-loop turn: a burst from one raft Ready shares a TCP segment.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const req = this.req;
    if (this.state !== 'connected' || req === undefined || this.congested || this.queue.length === 0) return;
    const batch = Buffer.concat(this.queue.map(encodeFrame));
    this.queue = [];
    this.wroteSinceHeartbeat = true;
    if (req.write(batch)) return;
    // The socket is full: later messages wait in the bounded queue. A peer that
    // stops reading for CONN_WRITE_TIMEOUT_MS is treated as gone.
    this.congested = true;
    const stall = this.after(CONN_WRITE_TIMEOUT_MS, () => this.failIf(req, new Error('write to peer timed out')));
    req.once('drain', () => {
      clearTimeout(stall);
      this.timers.delete(stall);
      if (this.req !== req) return;
      this.congested = false;
      this.flush();
    });
  }

  private failIf(req: ClientRequest, err: Error): void {
    if (this.req === req) this.fail(err, true);
  }

  private fail(err: Error, backoff: boolean): void {
    if (this.state === 'stopped') return;
    const wasConnected = this.state === 'connected';
    const req = this.req;
    this.req = undefined;
    this.congested = false;
    req?.destroy();
    if (wasConnected) this.d.logger.warn(this.fields({ error: err.message }), 'lost TCP streaming connection with remote peer');
    this.d.status.deactivate(err.message);
    this.d.picker.unreachable(this.d.picker.pick());
    const lost = this.queue.length;
    this.queue = [];
    this.state = 'down';
    if (lost > 0) this.d.unreachable();
    const delay = backoff ? this.backoffMs : 0;
    this.backoffMs = Math.min(this.backoffMs * 2, DIAL_BACKOFF_MAX_MS);
    this.after(delay, () => {
      if (this.state === 'down') this.connect();
    });
  }
}
