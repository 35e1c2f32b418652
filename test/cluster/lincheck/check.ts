// Wing & Gong's linearizability search with Lowe's memoisation, as Porcupine does it: walk the
// history's call/return events in time order, tentatively linearise any operation whose call is
// before the earliest pending return, and backtrack when a return is reached with its operation
// not yet linearised. A cache of (set of linearised operations, state) pairs already explored
// prunes the search from exponential to usually near-linear on real histories.
import { describe as describeOp, ILLEGAL, step, type Operation, type State } from './model.js';

export type CheckResult =
  | { readonly linearizable: true }
  | { readonly linearizable: false; readonly key: string; readonly explanation: string }
  /** The search budget ran out on some key before an answer: neither proven nor refuted. */
  | { readonly linearizable: 'unknown'; readonly key: string };

export interface CheckOptions {
  /** Search steps allowed per key before giving up with 'unknown'. */
  readonly maxStepsPerKey?: number;
}

const DEFAULT_MAX_STEPS_PER_KEY = 5_000_000;
/** How many operations a failure message lists around the point the search got stuck. */
const EXPLAIN_OPS = 12;

/** Check a whole history: partitioned by key, every key's sub-history must be linearizable. */
export function checkHistory(history: readonly Operation[], opts: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    // a read whose answer never came constrains nothing
    if (op.input.kind === 'get' && op.output === undefined) continue;
    const ops = byKey.get(op.input.key) ?? [];
    ops.push(op);
    byKey.set(op.input.key, ops);
  }
  const maxSteps = opts.maxStepsPerKey ?? DEFAULT_MAX_STEPS_PER_KEY;
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Unknown writes whose value nobody saw make the search explode (each one may or may not
    // have happened, anywhere after its call). Dropping any unknown operations is sound in one
    // direction: a linearisation without them is one with them placed last, where they change
    // nothing anybody observed. So try that first, and only search the full history if it fails.
    const reduced = withoutUnobservedUnknownWrites(ops);
    if (reduced.length < ops.length && checkKey(key, reduced, maxSteps).linearizable === true) continue;
    const r = checkKey(key, ops, maxSteps);
    if (r.linearizable !== true) return r;
  }
  return { linearizable: true };
}

/** The operations minus unknown-outcome puts and CASes whose value no read returned. */
function withoutUnobservedUnknownWrites(ops: readonly Operation[]): Operation[] {
  const observed = new Set<string>();
  for (const op of ops) if (op.output?.kind === 'get' && op.output.value !== null) observed.add(op.output.value);
  return ops.filter((op) => op.output !== undefined || op.input.kind === 'delete' || op.input.kind === 'get' || observed.has(op.input.value));
}

interface Event {
  readonly isCall: boolean;
  readonly op: number;
  readonly time: number;
  prev: Event | undefined;
  next: Event | undefined;
  /** For a call: its return event. */
  match: Event | undefined;
}

/** The events of one key's operations as a doubly linked list behind a sentinel head. */
function eventList(ops: readonly Operation[]): Event {
  const events: Event[] = [];
  ops.forEach((op, i) => {
    const ret: Event = { isCall: false, op: i, time: op.output === undefined ? Infinity : op.ret, prev: undefined, next: undefined, match: undefined };
    events.push(ret, { isCall: true, op: i, time: op.call, prev: undefined, next: undefined, match: ret });
  });
  // at equal times calls come first: touching operations count as concurrent, never as ordered
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall));
  const head: Event = { isCall: false, op: -1, time: -Infinity, prev: undefined, next: undefined, match: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Take a call and its return out of the list (the operation is linearised). */
function lift(call: Event): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undo lift, in reverse order. */
function unlift(call: Event): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

class Bits {
  private readonly words: Uint32Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }
  key(): string {
    return Buffer.from(this.words.buffer).toString('latin1');
  }
}

function checkKey(key: string, ops: readonly Operation[], maxSteps: number): CheckResult {
  const head = eventList(ops);
  const linearised = new Bits(ops.length);
  const seen = new Set<string>();
  const stack: { call: Event; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  let deepest: Operation[] = [];
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps > maxSteps) return { linearizable: 'unknown', key };
    if (entry === undefined) throw new Error('lincheck: ran off the event list'); // cannot happen: the last event is a return
    if (entry.isCall) {
      const op = ops[entry.op]!;
      const next = step(state, op.input, op.output);
      if (next !== ILLEGAL) {
        linearised.set(entry.op);
        const cacheKey = `${linearised.key()}\u0000${next === null ? '\u0001' : `=${next}`}`;
        if (!seen.has(cacheKey)) {
          seen.add(cacheKey);
          stack.push({ call: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearised.clear(entry.op);
      }
      entry = entry.next;
    } else {
      if (stack.length > deepest.length) deepest = stack.map((s) => ops[s.call.op]!);
      const top = stack.pop();
      if (top === undefined) return { linearizable: false, key, explanation: explain(key, ops, deepest) };
      state = top.state;
      linearised.clear(top.call.op);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { linearizable: true };
}

/** The longest linearisation found, and the operations none of its extensions could place. */
function explain(key: string, ops: readonly Operation[], deepest: readonly Operation[]): string {
  const placed = new Set(deepest);
  const stuck = ops
    .filter((op) => !placed.has(op))
    .sort((a, b) => a.call - b.call)
    .slice(0, EXPLAIN_OPS);
  return [
    `key ${key}: no linearisation of ${ops.length} operations; the longest found places ${deepest.length}, ending with:`,
    ...deepest.slice(-EXPLAIN_OPS).map((op) => `  ${describeOp(op)}`),
    'and cannot place next any of:',
    ...stuck.map((op) => `  ${describeOp(op)}`),
  ].join('\n');
}
