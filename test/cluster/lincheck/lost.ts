// Lost acknowledged writes, checked directly against the final contents: a client was told its
// write committed, so at the end its value must still be there unless another write on the same
// key could have come after it. Linearizability of a history that ends with reads of every key
// implies this; the separate check gives a plain message naming the lost write.
import { describe as describeOp, type Operation, type State } from './model.js';

/** Does this operation change its key, or might it have (unknown outcome)? */
function mayWrite(op: Operation): boolean {
  const { input, output } = op;
  if (input.kind === 'get') return false;
  if (input.kind === 'cas') return output === undefined || (output.kind === 'cas' && output.succeeded);
  return true;
}

/** The value an acknowledged write left, or undefined when it was not acknowledged as a change. */
function ackedValue(op: Operation): State | undefined {
  const { input } = op;
  if (op.output === undefined || !mayWrite(op) || input.kind === 'get') return undefined;
  return input.kind === 'delete' ? null : input.value;
}

/**
 * Descriptions of acknowledged writes whose effect is missing from `final` (key -> value, absent
 * keys left out) although no other write on the key may be ordered after them. Empty when none.
 */
export function lostWrites(history: readonly Operation[], final: ReadonlyMap<string, string>): string[] {
  const writesByKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (!mayWrite(op)) continue;
    const list = writesByKey.get(op.input.key) ?? [];
    list.push(op);
    writesByKey.set(op.input.key, list);
  }
  const lost: string[] = [];
  for (const [key, writes] of writesByKey) {
    const now = final.get(key) ?? null;
    for (const w of writes) {
      const value = ackedValue(w);
      if (value === undefined || value === now) continue;
      // another write that did not finish before w began may have overwritten it
      const overwritten = writes.some((o) => o !== w && (o.output === undefined || o.ret > w.call));
      if (!overwritten) lost.push(`${describeOp(w)} but the final value is ${JSON.stringify(now)}`);
    }
  }
  return lost;
}
