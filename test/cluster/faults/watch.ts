// A watch stream opened before the workload starts, recording every event it delivers, and the
// checks on it: revisions in order with no gaps or duplicates, and replaying the events gives
// exactly the store's final contents.
import { credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { WatchClient, type WatchRequest, type WatchResponse } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { Event_EventType } from '../../../src/proto/mvcc/mvccpb/kv.js';
import { b, prefixEnd, sleep } from '../../helpers/index.js';
import { CHANNEL_OPTIONS } from './cluster.js';

const CREATE_TIMEOUT_MS = 5000;
const POLL_MS = 20;

export interface WatchedEvent {
  readonly revision: number;
  readonly key: string;
  /** null for a delete. */
  readonly value: string | null;
}

export class WatchRecorder {
  readonly events: WatchedEvent[] = [];
  /** Problems seen on the stream itself (cancel, compaction, error, end). */
  readonly problems: string[] = [];
  private constructor(
    private readonly client: WatchClient,
    private readonly stream: ClientDuplexStream<WatchRequest, WatchResponse>,
  ) {}

  /** Watch every key under prefix from startRevision on, on the member at endpoint. */
  static async open(endpoint: string, prefix: string, startRevision: number): Promise<WatchRecorder> {
    const client = new WatchClient(endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
    const stream = client.watch(new Metadata());
    const rec = new WatchRecorder(client, stream);
    let created = false;
    stream.on('data', (r: WatchResponse) => {
      if (r.created) created = true;
      if (r.canceled) rec.problems.push(`watch canceled: ${r.cancel_reason} (compact revision ${r.compact_revision})`);
      for (const e of r.events) {
        rec.events.push({
          revision: Number(e.kv!.mod_revision),
          key: e.kv!.key.toString('utf8'),
          value: e.type === Event_EventType.DELETE ? null : e.kv!.value.toString('utf8'),
        });
      }
    });
    stream.on('error', (err) => rec.problems.push(`watch stream error: ${err.message}`));
    stream.on('end', () => rec.problems.push('watch stream ended'));
    stream.write({
      request_union: {
        $case: 'create_request',
        value: {
          key: b(prefix),
          range_end: prefixEnd(prefix),
          start_revision: BigInt(startRevision),
          progress_notify: false,
          filters: [],
          prev_kv: false,
          watch_id: 0n,
          fragment: false,
        },
      },
    });
    const deadline = Date.now() + CREATE_TIMEOUT_MS;
    while (!created && rec.problems.length === 0 && Date.now() < deadline) await sleep(POLL_MS);
    if (!created) {
      rec.close();
      throw new Error(`watch not created: ${rec.problems.join('; ') || 'timeout'}`);
    }
    return rec;
  }

  /** Wait (bounded) until an event at or past revision arrived; false if not in time. */
  async waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((this.events.at(-1)?.revision ?? 0) < revision) {
      if (Date.now() > deadline || this.problems.length > 0) return false;
      await sleep(POLL_MS);
    }
    return true;
  }

  close(): void {
    this.stream.removeAllListeners('end');
    this.stream.on('error', () => undefined);
    this.stream.cancel();
    this.client.close();
  }
}

/**
 * What is wrong with the events of a watch started at firstRevision, given the store's final
 * contents at finalRevision (only single-key writes happen, so every revision is one event).
 */
export function watchProblems(
  events: readonly WatchedEvent[],
  firstRevision: number,
  finalRevision: number,
  final: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  let expected = firstRevision;
  for (const e of events) {
    if (e.revision !== expected) {
      problems.push(`event for ${e.key} at revision ${e.revision}, expected revision ${expected} (${e.revision < expected ? 'duplicate or out of order' : 'gap'})`);
      if (problems.length > 10) break;
    }
    expected = e.revision + 1;
  }
  if (expected !== finalRevision + 1) problems.push(`events end at revision ${expected - 1}, the store is at ${finalRevision}`);
  const replayed = new Map<string, string>();
  for (const e of events) {
    if (e.value === null) replayed.delete(e.key);
    else replayed.set(e.key, e.value);
  }
  for (const key of new Set([...replayed.keys(), ...final.keys()])) {
    if (replayed.get(key) !== final.get(key)) {
      problems.push(`replaying the events gives ${key}=${JSON.stringify(replayed.get(key) ?? null)}, the store has ${JSON.stringify(final.get(key) ?? null)}`);
    }
  }
  return problems;
}
