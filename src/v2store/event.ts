// What the v2 store answers (etcd: v2store/event.go, node_extern.go): an event with the node
// after the change and the node before it, marshalled exactly as etcd's Go structs are.
import { goJsonString } from './errors.js';
import { formatRfc3339Nano, ttlSeconds } from './go-time.js';
import type { V2Node } from './node.js';

export type V2Action =
  | 'get'
  | 'create'
  | 'set'
  | 'update'
  | 'delete'
  | 'compareAndSwap'
  | 'compareAndDelete'
  | 'expire';

/** A node as clients see it (etcd's NodeExtern). Absent fields are omitted from the JSON. */
export interface NodeExtern {
  key: string;
  /** Files only; an empty string is still present (`"value":""`). */
  value?: string;
  dir?: boolean;
  /** Unix ns of the expiration; absent for permanent nodes. */
  expiration?: bigint;
  /** Seconds left, rounded up; absent (0) for permanent nodes. */
  ttl?: number;
  nodes?: NodeExtern[];
  modifiedIndex: number;
  createdIndex: number;
}

export interface V2Event {
  action: V2Action;
  node: NodeExtern;
  prevNode?: NodeExtern;
  /** Set on TTL refreshes, which watchers do not see. */
  refresh?: boolean;
  /** The store index the answer was produced at (the X-Etcd-Index header, not in the JSON). */
  etcdIndex: number;
}

export function newEvent(action: V2Action, key: string, modifiedIndex: number, createdIndex: number): V2Event {
  return { action, node: { key, modifiedIndex, createdIndex }, etcdIndex: 0 };
}

/** The index an event happened at (its node's modifiedIndex). */
export function eventIndex(e: V2Event): number {
  return e.node.modifiedIndex;
}

/** True when the event made a new node: etcd answers those with 201 Created. */
export function isCreated(e: V2Event): boolean {
  return e.action === 'create' || (e.action === 'set' && e.prevNode === undefined);
}

/** The expiration and TTL fields of a node with a TTL (nothing for permanent nodes). */
export function expirationFields(n: V2Node, now: bigint): Pick<NodeExtern, 'expiration' | 'ttl'> {
  if (n.isPermanent) return {};
  return { expiration: n.expireTime, ttl: ttlSeconds(n.expireTime, now) };
}

/**
 * The external form of a node (etcd's node.Repr). Directory children are listed only when
 * recursive, hidden ones never; sorted orders them by key.
 */
export function reprNode(n: V2Node, recursive: boolean, sorted: boolean, now: bigint): NodeExtern {
  const base = { key: n.path, modifiedIndex: n.modifiedIndex, createdIndex: n.createdIndex };
  if (!n.isDir) return { ...base, value: n.value, ...expirationFields(n, now) };
  const out: NodeExtern = { ...base, dir: true, ...expirationFields(n, now) };
  if (recursive) out.nodes = listChildren(n, recursive, sorted, now);
  return out;
}

/** A directory's visible children (etcd's loadInternalNode for dirs). */
export function listChildren(dir: V2Node, recursive: boolean, sorted: boolean, now: bigint): NodeExtern[] {
  const nodes: NodeExtern[] = [];
  for (const child of dir.children?.values() ?? []) {
    if (!child.isHidden) nodes.push(reprNode(child, recursive, sorted, now));
  }
  if (sorted) nodes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return nodes;
}

export function cloneNodeExtern(n: NodeExtern): NodeExtern {
  const copy: NodeExtern = { ...n };
  if (n.nodes !== undefined) copy.nodes = n.nodes.map(cloneNodeExtern);
  return copy;
}

/** A deep copy; etcd's Event.Clone drops `refresh`, and so does this. */
export function cloneEvent(e: V2Event): V2Event {
  const copy: V2Event = { action: e.action, node: cloneNodeExtern(e.node), etcdIndex: e.etcdIndex };
  if (e.prevNode !== undefined) copy.prevNode = cloneNodeExtern(e.prevNode);
  return copy;
}

/** Go's json.Marshal of a NodeExtern: field order and omitempty rules as the struct tags say. */
export function nodeExternJson(n: NodeExtern): string {
  const parts: string[] = [];
  if (n.key !== '') parts.push(`"key":${goJsonString(n.key)}`);
  if (n.value !== undefined) parts.push(`"value":${goJsonString(n.value)}`);
  if (n.dir === true) parts.push('"dir":true');
  if (n.expiration !== undefined) parts.push(`"expiration":"${formatRfc3339Nano(n.expiration)}"`);
  if (n.ttl !== undefined && n.ttl !== 0) parts.push(`"ttl":${n.ttl}`);
  if (n.nodes !== undefined && n.nodes.length > 0) parts.push(`"nodes":[${n.nodes.map(nodeExternJson).join(',')}]`);
  if (n.modifiedIndex !== 0) parts.push(`"modifiedIndex":${n.modifiedIndex}`);
  if (n.createdIndex !== 0) parts.push(`"createdIndex":${n.createdIndex}`);
  return `{${parts.join(',')}}`;
}

/**
 * Go's json.Marshal of an Event (without the trailing newline etcd's encoder adds). withNodes
 * false leaves node and prevNode out, as etcd does for noValueOnSuccess.
 */
export function eventJson(e: V2Event, withNodes = true): string {
  let out = `{"action":"${e.action}"`;
  if (withNodes) out += `,"node":${nodeExternJson(e.node)}`;
  if (withNodes && e.prevNode !== undefined) out += `,"prevNode":${nodeExternJson(e.prevNode)}`;
  if (e.refresh === true) out += ',"refresh":true';
  return `${out}}`;
}

/**
 * A copy with `prefix` cut from every key (the HTTP layer hides the store's "/1" keys dir).
 * Being a clone it drops `refresh`, which is why etcd never shows it to HTTP clients.
 */
export function trimEventPrefix(e: V2Event, prefix: string): V2Event {
  const copy = cloneEvent(e);
  trimNode(copy.node, prefix);
  if (copy.prevNode !== undefined) trimNode(copy.prevNode, prefix);
  return copy;
}

function trimNode(n: NodeExtern, prefix: string): void {
  if (n.key.startsWith(prefix)) n.key = n.key.slice(prefix.length);
  for (const child of n.nodes ?? []) trimNode(child, prefix);
}
