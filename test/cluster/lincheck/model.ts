// The sequential specification the checker holds a history against: one key-value register per
// key. Each key is checked on its own (linearizability is compositional, Herlihy & Wing), so the
// model only ever sees operations on a single key and its state is that key's value or absent.

/** What a client asked for. `cas` is a txn: if value(key) == expect (null: key absent) then put value. */
export type Input =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expect: string | null; readonly value: string };

/** What the server answered. */
export type Output =
  | { readonly kind: 'put' }
  | { readonly kind: 'get'; readonly value: string | null }
  | { readonly kind: 'delete'; readonly deleted: number }
  | { readonly kind: 'cas'; readonly succeeded: boolean };

/**
 * One recorded operation. Times are monotonic (process.hrtime) in any unit, call < ret.
 * `output` undefined means the outcome is unknown (timeout, connection lost): the operation may
 * have taken effect at any moment after `call`, or never; its `ret` is then ignored.
 */
export interface Operation {
  readonly client: number;
  readonly input: Input;
  readonly call: number;
  readonly ret: number;
  readonly output?: Output;
}

/** The value of one key; null when absent. */
export type State = string | null;

/** Marks a step the specification forbids. */
export const ILLEGAL = Symbol('illegal');

/**
 * The state after applying `input` to `state`, or ILLEGAL if the recorded output cannot be what
 * the register answers in that state. An unknown output accepts whatever the register would answer.
 */
export function step(state: State, input: Input, output: Output | undefined): State | typeof ILLEGAL {
  switch (input.kind) {
    case 'put':
      return input.value;
    case 'get':
      if (output === undefined) return state;
      return output.kind === 'get' && output.value === state ? state : ILLEGAL;
    case 'delete':
      if (output !== undefined && (output.kind !== 'delete' || output.deleted !== (state === null ? 0 : 1))) return ILLEGAL;
      return null;
    case 'cas': {
      const holds = state === input.expect;
      if (output !== undefined && (output.kind !== 'cas' || output.succeeded !== holds)) return ILLEGAL;
      return holds ? input.value : state;
    }
  }
}

/** Short text for failure messages: `c3 put(k7, "c3-12") -> ok [1.203, 1.250]`. */
export function describe(op: Operation, timeUnit = 1e9): string {
  const i = op.input;
  const args =
    i.kind === 'put' ? `${i.key}, ${JSON.stringify(i.value)}`
    : i.kind === 'cas' ? `${i.key}, ${JSON.stringify(i.expect)} -> ${JSON.stringify(i.value)}`
    : i.key;
  const o = op.output;
  const out =
    o === undefined ? 'unknown'
    : o.kind === 'get' ? JSON.stringify(o.value)
    : o.kind === 'delete' ? `deleted ${o.deleted}`
    : o.kind === 'cas' ? (o.succeeded ? 'succeeded' : 'failed')
    : 'ok';
  const ret = o === undefined ? '?' : (op.ret / timeUnit).toFixed(4);
  return `c${op.client} ${i.kind}(${args}) -> ${out} [${(op.call / timeUnit).toFixed(4)}, ${ret}]`;
}
