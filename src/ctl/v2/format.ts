// printResponseKey (ctlv2/command/format.go): simple, extended (RFC 2822-like) and json, the
// json being the Go client's Response re-marshalled (so "nodes":null and Go's field order).
import type { V2Node, V2Response } from '../../client/v2.js';
import { goJson, type GoJson } from '../printer/go-format.js';
import type { V2Context } from './cli/app.js';

/** Go's RFC3339Nano re-marshal of a parsed time: trailing fractional zeros dropped. */
function goTime(s: string): string {
  return s.replace(/\.(\d*?)0+(Z|[+-]\d\d:\d\d)$/, (_m, digits: string, zone: string) => (digits ? `.${digits}${zone}` : zone));
}

function nodeJson(n: V2Node | null | undefined): GoJson {
  if (!n) return null;
  return {
    key: n.key,
    dir: n.dir ? true : undefined,
    value: n.value,
    nodes: n.nodes ? n.nodes.map(nodeJson) : null,
    createdIndex: n.createdIndex,
    modifiedIndex: n.modifiedIndex,
    expiration: n.expiration !== undefined ? goTime(n.expiration) : undefined,
    ttl: n.ttl || undefined,
  };
}

export function responseJson(r: V2Response): string {
  return goJson({ action: r.action, node: nodeJson(r.node), prevNode: nodeJson(r.prevNode) });
}

/** The output format from -o (global). */
export function outputOf(ctx: V2Context): string {
  return ctx.global.string('output');
}

export function printResponseKey(ctx: V2Context, r: V2Response): void {
  const out = (s: string) => ctx.io.stdout(s);
  switch (outputOf(ctx)) {
    case 'simple':
      out(r.action !== 'delete' ? `${r.node.value}\n` : `PrevNode.Value: ${r.prevNode?.value ?? ''}\n`);
      return;
    case 'extended': {
      let s = `Key: ${r.node.key}\nCreated-Index: ${r.node.createdIndex}\nModified-Index: ${r.node.modifiedIndex}\n`;
      if (r.prevNode) s += `PrevNode.Value: ${r.prevNode.value}\n`;
      s += `TTL: ${r.node.ttl ?? 0}\nIndex: ${r.index}\n`;
      if (r.action !== 'delete') s += `\n${r.node.value}\n`;
      out(s);
      return;
    }
    case 'json':
      out(`${responseJson(r)}\n`);
      return;
    default:
      ctx.io.stderr(`Unsupported output format: ${outputOf(ctx)}\n`);
  }
}
