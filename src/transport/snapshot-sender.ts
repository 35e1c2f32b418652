/**
 * Sends a MsgSnap with the v3 backend db to a peer (etcd's snapshotSender):
 * one POST whose body streams from the db file, so a multi-GB db never sits in
 * memory. The outcome goes back to raft as a snapshot status.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { idString, requestHeaders, type LocalIdentity } from './headers.js';
import { dial, readBody, type UrlPicker } from './peer-client.js';
import { encodeSnapshotPreamble, SHA256_BYTES, SNAPSHOT_PATH } from './snapshot-format.js';
import type { TransportLogger } from './types.js';
import type { Message } from '../raft/index.js';
import type { ConnectionOptions } from 'node:tls';

export interface SnapshotDb {
  path: string;
  size: number;
  cleanup(): Promise<void>;
}

export interface SnapshotSendDeps {
  local: LocalIdentity;
  picker: UrlPicker;
  logger: TransportLogger;
  tls: ConnectionOptions | undefined;
  signal: AbortSignal;
}

/** Resolves true when the peer saved the snapshot and its member accepted it. */
export async function sendSnapshot(d: SnapshotSendDeps, m: Message, db: () => Promise<SnapshotDb>): Promise<boolean> {
  const fields = { 'snapshot-index': m.snapshot?.metadata.index ?? 0, 'remote-peer-id': idString(m.to), 'local-member-id': idString(d.local.memberId) };
  let file: SnapshotDb | undefined;
  const url = d.picker.pick();
  try {
    file = await db();
    d.logger.info({ ...fields, size: file.size }, 'sending database snapshot');
    const preamble = encodeSnapshotPreamble(m, file.size);
    const req = dial(url, {
      method: 'POST',
      path: SNAPSHOT_PATH,
      headers: { ...requestHeaders(d.local, m.to), 'content-type': 'application/octet-stream', 'content-length': preamble.length + file.size + SHA256_BYTES },
      tls: d.tls,
      signal: d.signal,
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    // An early refusal (412, 410) must not wait for the upload to finish.
    await Promise.race([writeBody(req, preamble, file), response]);
    const res = await response;
    const body = (await readBody(res)).toString().trim();
    if (res.statusCode !== 204) throw new Error(`unexpected http status ${res.statusCode} (${body})`);
    d.logger.info({ ...fields, size: file.size }, 'sent database snapshot');
    return true;
  } catch (err) {
    d.picker.unreachable(url);
    d.logger.warn({ ...fields, error: (err as Error).message }, 'failed to send database snapshot');
    return false;
  } finally {
    await file?.cleanup().catch((err: Error) => d.logger.warn({ ...fields, error: err.message }, 'failed to clean up database snapshot'));
  }
}

async function writeBody(req: ClientRequest, preamble: Buffer, file: SnapshotDb): Promise<void> {
  const hash = createHash('sha256');
  req.write(preamble);
  let sent = 0;
  if (file.size > 0) {
    for await (const chunk of createReadStream(file.path, { start: 0, end: file.size - 1 })) {
      const c = chunk as Buffer;
      sent += c.length;
      hash.update(c);
      if (!req.write(c)) await once(req, 'drain');
    }
  }
  if (sent !== file.size) {
    req.destroy();
    throw new Error(`database snapshot file ${file.path} has ${sent} bytes, expected ${file.size}`);
  }
  req.end(hash.digest());
}
