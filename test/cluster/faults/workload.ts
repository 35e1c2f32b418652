// Clients that run random register operations against one member each and record what they
// asked, when, and what came back, for the linearizability checker. An error or timeout on a
// write is recorded as an unknown outcome (the write may still commit later); a failed read
// is recorded too and the checker ignores it.
import { credentials } from '@grpc/grpc-js';
import { DeleteRangeRequest, KVClient, PutRequest, RangeRequest, type TxnRequest } from '../../../src/proto/etcdserver/etcdserverpb/rpc.js';
import { b, cmp, putOp, sleep, txn, unary } from '../../helpers/index.js';
import type { Input, Operation, Output } from '../lincheck/index.js';
import { CHANNEL_OPTIONS } from './cluster.js';

/** Long enough to ride out an election, short enough that clients move on after a kill. */
const OP_TIMEOUT_MS = 3000;
/** Pause after a failed operation, so a dead member is not hammered in a tight loop. */
const ERROR_BACKOFF_MS = 100;

/** The keys clients share (few, so they conflict; several, so each key's history stays small). */
export function workloadKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** Monotonic time in nanoseconds as a number (exact below 2^53 ns, about 104 days). */
export function now(): number {
  return Number(process.hrtime.bigint());
}

export interface ClientOptions {
  readonly id: number;
  readonly endpoint: string;
  readonly keys: readonly string[];
  readonly history: Operation[];
  /** The client stops issuing operations once this is true. */
  readonly stopped: () => boolean;
}

/** Run one client until stopped() holds; operations are appended to history as they complete. */
export async function runClient(opts: ClientOptions): Promise<void> {
  const kv = new KVClient(opts.endpoint, credentials.createInsecure(), CHANNEL_OPTIONS);
  /** The last value this client saw per key: CAS expects it, so some CASes succeed. */
  const seen = new Map<string, string | null>();
  let seq = 0;
  try {
    while (!opts.stopped()) {
      const key = opts.keys[Math.floor(Math.random() * opts.keys.length)]!;
      const input = randomInput(key, `c${opts.id}-${seq++}`, seen.get(key) ?? null);
      const call = now();
      let output: Output | undefined;
      try {
        output = await perform(kv, input);
      } catch {
        output = undefined;
      }
      opts.history.push({ client: opts.id, input, call, ret: now(), output });
      if (output?.kind === 'get') seen.set(key, output.value);
      if (output === undefined) await sleep(ERROR_BACKOFF_MS);
    }
  } finally {
    kv.close();
  }
}

function randomInput(key: string, value: string, expect: string | null): Input {
  const r = Math.random();
  if (r < 0.4) return { kind: 'get', key };
  if (r < 0.75) return { kind: 'put', key, value };
  if (r < 0.9) return { kind: 'cas', key, expect, value };
  return { kind: 'delete', key };
}

async function perform(kv: KVClient, input: Input): Promise<Output> {
  const key = b(input.key);
  switch (input.kind) {
    case 'get': {
      const r = await unary(kv, kv.range, RangeRequest.fromPartial({ key }), OP_TIMEOUT_MS);
      return { kind: 'get', value: r.kvs[0]?.value.toString('utf8') ?? null };
    }
    case 'put':
      await unary(kv, kv.put, PutRequest.fromPartial({ key, value: b(input.value) }), OP_TIMEOUT_MS);
      return { kind: 'put' };
    case 'delete': {
      const r = await unary(kv, kv.deleteRange, DeleteRangeRequest.fromPartial({ key }), OP_TIMEOUT_MS);
      return { kind: 'delete', deleted: Number(r.deleted) };
    }
    case 'cas': {
      const compare = input.expect === null ? cmp(input.key, 'create_revision', '=', 0n) : cmp(input.key, 'value', '=', input.expect);
      const request: TxnRequest = txn([compare], [putOp(input.key, input.value)]);
      const r = await unary(kv, kv.txn, request, OP_TIMEOUT_MS);
      return { kind: 'cas', succeeded: r.succeeded };
    }
  }
}
