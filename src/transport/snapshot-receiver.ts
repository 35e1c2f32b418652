/**
 * The receiving end of POST /raft/snapshot (etcd's snapshotHandler): the db is
 * streamed into a temp file in snapDir while its sha256 is computed, checked
 * against the trailer, fsynced and renamed to etcd's `<index>.snap.db` name;
 * only then does the member see the MsgSnap. A truncated or corrupt body
 * leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { FrameDecoder } from './frame.js';
import { idString } from './headers.js';
import { SHA256_BYTES, snapDbFileName } from './snapshot-format.js';
import { plainError } from './stream-receiver.js';
import type { TransportLogger } from './types.js';
import { MessageType, type Message } from '../raft/index.js';

export interface SnapshotReceiverDeps {
  memberId: bigint;
  snapDir: string;
  logger: TransportLogger;
  onSnapshot(m: Message, dbPath: string): Promise<void>;
}

/** Pulls exact byte counts out of a request body stream. */
class BodyReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;

  constructor(req: IncomingMessage) {
    this.it = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the body. */
  async chunk(max: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0) {
      const r = await this.it.next();
      if (r.done === true) return undefined;
      this.buf = r.value;
    }
    const out = this.buf.subarray(0, max);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  async exact(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const c = await this.chunk(n - got);
      if (c === undefined) throw new Error('unexpected EOF');
      parts.push(c);
      got += c.length;
    }
    return Buffer.concat(parts);
  }

  async atEnd(): Promise<boolean> {
    return (await this.chunk(1)) === undefined;
  }
}

async function readMessage(r: BodyReader): Promise<Message> {
  const head = await r.exact(8);
  const decoder = new FrameDecoder();
  decoder.push(head);
  const len = Number(head.readBigUInt64BE(0));
  const msgs = decoder.push(await r.exact(len));
  if (msgs.length !== 1) throw new Error('missing raft message');
  return msgs[0]!;
}

/** Streams `size` db bytes into `path`, returning their sha256. */
async function receiveDb(r: BodyReader, path: string, size: number): Promise<Buffer> {
  const hash = createHash('sha256');
  const fh = await open(path, 'wx', 0o600);
  try {
    let left = size;
    while (left > 0) {
      const c = await r.chunk(Math.min(left, 1 << 20));
      if (c === undefined) throw new Error('unexpected EOF');
      hash.update(c);
      await fh.write(c);
      left -= c.length;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return hash.digest();
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function handleSnapshot(d: SnapshotReceiverDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const local = idString(d.memberId);
  const r = new BodyReader(req);
  let m: Message;
  try {
    m = await readMessage(r);
  } catch (err) {
    d.logger.warn({ 'local-member-id': local, error: (err as Error).message }, 'failed to decode raft message');
    return plainError(res, 400, 'error reading raft message');
  }
  if (m.type !== MessageType.MsgSnap) {
    d.logger.warn({ 'local-member-id': local, 'message-type': MessageType[m.type] }, 'unexpected Raft message type');
    return plainError(res, 400, 'wrong raft message type');
  }
  const index = m.snapshot?.metadata.index ?? 0;
  const fields = { 'local-member-id': local, 'remote-snapshot-sender-id': idString(m.from), 'incoming-snapshot-index': index };
  const tmp = join(d.snapDir, `tmp${randomBytes(6).toString('hex')}`);
  let dbPath: string;
  try {
    const size = Number((await r.exact(8)).readBigUInt64BE(0));
    d.logger.info({ ...fields, 'incoming-snapshot-message-size-bytes': size }, 'receiving database snapshot');
    const digest = await receiveDb(r, tmp, size);
    const trailer = await r.exact(SHA256_BYTES);
    if (!digest.equals(trailer)) throw new Error('sha256 checksum mismatch');
    if (!(await r.atEnd())) throw new Error('unexpected data after the sha256 checksum');
    dbPath = join(d.snapDir, snapDbFileName(index));
    await rename(tmp, dbPath);
    await fsyncDir(d.snapDir);
    d.logger.info({ ...fields, 'incoming-snapshot-size': size }, 'received and saved database snapshot');
  } catch (err) {
    await rm(tmp, { force: true });
    d.logger.warn({ ...fields, error: (err as Error).message }, 'failed to save incoming database snapshot');
    return plainError(res, 500, `error saving database snapshot (${(err as Error).message})`);
  }
  try {
    await d.onSnapshot(m, dbPath);
  } catch (err) {
    d.logger.warn({ ...fields, error: (err as Error).message }, 'failed to process Raft message');
    return plainError(res, 500, `error processing raft message (${(err as Error).message})`);
  }
  res.writeHead(204);
  res.end();
}
