/**
 * The receiving end of peers' message streams (POST /raft/stream/message/<from>).
 * One live stream per sender: a new one from the same peer (it reconnected)
 * replaces the old, so its messages are never interleaved with a stale link.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FrameDecoder } from './frame.js';
import { H_CLUSTER_ID, H_RAFT_TO, H_SERVER_VERSION, SERVER_VERSION, headerValue, idString, parseId } from './headers.js';
import { CONN_READ_TIMEOUT_MS, STREAM_PATH_PREFIX } from './stream-writer.js';
import type { TransportLogger } from './types.js';
import type { Message } from '../raft/index.js';

export interface StreamReceiverDeps {
  memberId: bigint;
  clusterId: bigint;
  logger: TransportLogger;
  isPeer(id: bigint): boolean;
  isRemoved(id: bigint): boolean;
  onMessage(m: Message): void;
}

const STREAM_TYPE = 'stream Message';

export class StreamReceiver {
  private readonly live = new Map<bigint, IncomingMessage>();

  constructor(private readonly d: StreamReceiverDeps) {}

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const local = idString(this.d.memberId);
    const from = parseId(path.slice(STREAM_PATH_PREFIX.length));
    res.setHeader(H_SERVER_VERSION, SERVER_VERSION);
    res.setHeader(H_CLUSTER_ID, idString(this.d.clusterId));
    if (from === undefined) {
      this.d.logger.warn({ 'local-member-id': local, path }, 'failed to parse path into ID');
      return plainError(res, 404, 'invalid from');
    }
    if (this.d.isRemoved(from)) {
      this.d.logger.warn({ 'local-member-id': local, 'remote-peer-id': idString(from) }, 'rejected stream from remote peer because it was removed');
      return plainError(res, 410, 'removed member');
    }
    if (!this.d.isPeer(from)) {
      this.d.logger.warn({ 'local-member-id': local, 'remote-peer-id': idString(from), 'cluster-id': idString(this.d.clusterId) }, 'failed to find remote peer in cluster');
      return plainError(res, 404, 'error sender not found');
    }
    const to = headerValue(req.headers, H_RAFT_TO);
    if (to !== local) {
      this.d.logger.warn({ 'local-member-id': local, 'remote-peer-id-stream-handler': idString(from), 'remote-peer-id-header': to ?? '' }, 'ignored streaming request; ID mismatch');
      return plainError(res, 412, 'to field mismatch');
    }
    this.accept(from, req, res);
  }

  /** Closes every incoming stream (transport stop). */
  closeAll(): void {
    for (const req of this.live.values()) req.socket.destroy();
    this.live.clear();
  }

  /** Closes the stream from one peer (it was removed). */
  close(id: bigint): void {
    this.live.get(id)?.socket.destroy();
    this.live.delete(id);
  }

  private accept(from: bigint, req: IncomingMessage, res: ServerResponse): void {
    const fields = { 'stream-reader-type': STREAM_TYPE, 'local-member-id': idString(this.d.memberId), 'remote-peer-id': idString(from) };
    this.live.get(from)?.socket.destroy();
    this.live.set(from, req);
    // The sender's link heartbeats arrive well within this; silence means a dead link.
    req.socket.setTimeout(CONN_READ_TIMEOUT_MS, () => req.socket.destroy());
    res.writeHead(200);
    res.flushHeaders();
    this.d.logger.info(fields, 'established TCP streaming connection with remote peer');
    const decoder = new FrameDecoder();
    req.on('data', (chunk: Buffer) => {
      let msgs: Message[];
      try {
        msgs = decoder.push(chunk);
      } catch (err) {
        this.d.logger.warn({ ...fields, error: (err as Error).message }, 'lost TCP streaming connection with remote peer');
        req.socket.destroy();
        return;
      }
      for (const m of msgs) this.deliver(m, fields);
    });
    const done = (): void => {
      if (this.live.get(from) !== req) return;
      this.live.delete(from);
      this.d.logger.warn({ ...fields, error: 'stream closed' }, 'lost TCP streaming connection with remote peer');
    };
    req.on('close', done);
    req.on('end', () => res.end());
  }

  private deliver(m: Message, fields: object): void {
    try {
      this.d.onMessage(m);
    } catch (err) {
      this.d.logger.warn({ ...fields, error: (err as Error).message }, 'failed to process Raft message');
    }
  }
}

/** Go's http.Error: text/plain body with a newline. */
export function plainError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text + '\n');
}
