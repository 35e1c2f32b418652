// The store as JSON for raft snapshots (etcd: store.Save / store.Recovery). The shape is what
// Go's encoding/json makes of etcd's store struct, so a `.snap` written by either server can be
// read by the other:
//   {"Root":{"Path":"/","CreatedIndex":0,"ModifiedIndex":0,"ExpireTime":"0001-01-01T00:00:00Z",
//    "Value":"","Children":{...}},"WatcherHub":{"EventHistory":{"Queue":{"Events":[...],
//    "Size":3,"Front":0,"Back":3,"Capacity":1000},"StartIndex":1,"LastIndex":3}},
//    "CurrentIndex":3,"Stats":{...},"CurrentVersion":2}
import { goJsonString } from './errors.js';
import { type NodeExtern, type V2Action, type V2Event, eventJson } from './event.js';
import { EventHistory } from './event-history.js';
import { formatRfc3339Nano, parseRfc3339 } from './go-time.js';
import { V2Node } from './node.js';
import { parseStoreStats, storeStatsJson } from './stats.js';
import type { V2Store } from './store.js';
import { TtlKeyHeap } from './ttl-key-heap.js';

/** The store's state as etcd's Save() writes it. Synchronous, so it is a consistent cut. */
export function saveStore(s: V2Store): string {
  const h = s.hub.history;
  const events = h.events.map((e) => (e === null ? 'null' : eventJson(e))).join(',');
  const queue = `{"Events":[${events}],"Size":${h.size},"Front":${h.front},"Back":${h.back},"Capacity":${h.capacity}}`;
  const hub = `{"EventHistory":{"Queue":${queue},"StartIndex":${h.startIndex},"LastIndex":${h.lastIndex}}}`;
  return `{"Root":${nodeJson(s.root)},"WatcherHub":${hub},"CurrentIndex":${s.currentIndex},"Stats":${storeStatsJson(s.stats)},"CurrentVersion":${s.version}}`;
}

function nodeJson(n: V2Node): string {
  let children = 'null';
  if (n.children !== undefined) {
    // Go writes map keys sorted (byte order; keys are ASCII-comparable UTF-16 here).
    const names = [...n.children.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    children = `{${names.map((name) => `${goJsonString(name)}:${nodeJson(n.children!.get(name)!)}`).join(',')}}`;
  }
  return (
    `{"Path":${goJsonString(n.path)},"CreatedIndex":${n.createdIndex},"ModifiedIndex":${n.modifiedIndex},` +
    `"ExpireTime":"${formatRfc3339Nano(n.expireTime)}","Value":${goJsonString(n.value)},"Children":${children}}`
  );
}

/**
 * Replace the store's state with a saved one (etcd's Recovery). Watchers stay registered, as in
 * etcd; expired keys stay until the next SYNC. On malformed input the store is left unchanged.
 */
export function recoverStore(s: V2Store, json: string): void {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const root = parseNode(obj(raw.Root, 'Root'), undefined);
  const history = parseHistory(obj(obj(raw.WatcherHub, 'WatcherHub').EventHistory, 'EventHistory'));
  const ttlKeys = new TtlKeyHeap();
  collectTtlKeys(root, ttlKeys);
  s.root = root;
  s.hub.history = history;
  s.ttlKeys = ttlKeys;
  s.currentIndex = num(raw.CurrentIndex, 'CurrentIndex');
  s.stats = parseStoreStats(raw.Stats);
}

/** Children first, then the node itself, as etcd's recoverAndclean pushes them. */
function collectTtlKeys(n: V2Node, heap: TtlKeyHeap): void {
  for (const child of n.children?.values() ?? []) collectTtlKeys(child, heap);
  if (!n.isPermanent) heap.push(n);
}

function parseNode(raw: Record<string, unknown>, parent: V2Node | undefined): V2Node {
  const path = str(raw.Path, 'Path');
  const expire = parseRfc3339(str(raw.ExpireTime ?? '0001-01-01T00:00:00Z', 'ExpireTime'));
  const isDir = raw.Children !== null && raw.Children !== undefined;
  const kind = isDir ? { dir: true as const } : { dir: false as const, value: str(raw.Value ?? '', 'Value') };
  const n = new V2Node(path, num(raw.CreatedIndex ?? 0, 'CreatedIndex'), parent, expire, kind);
  n.modifiedIndex = num(raw.ModifiedIndex ?? 0, 'ModifiedIndex');
  if (isDir) {
    for (const [name, child] of Object.entries(obj(raw.Children, 'Children'))) {
      n.children!.set(name, parseNode(obj(child, 'Children'), n));
    }
  }
  return n;
}

function parseHistory(raw: Record<string, unknown>): EventHistory {
  const q = obj(raw.Queue, 'Queue');
  const h = new EventHistory(num(q.Capacity, 'Capacity'));
  const events = q.Events;
  if (!Array.isArray(events)) throw new Error('v2store: snapshot Events is not an array');
  h.events = events.map((e) => (e === null ? null : parseEvent(obj(e, 'Event'))));
  h.size = num(q.Size, 'Size');
  h.front = num(q.Front, 'Front');
  h.back = num(q.Back, 'Back');
  h.startIndex = num(raw.StartIndex, 'StartIndex');
  h.lastIndex = num(raw.LastIndex, 'LastIndex');
  return h;
}

function parseEvent(raw: Record<string, unknown>): V2Event {
  const e: V2Event = { action: str(raw.action, 'action') as V2Action, node: parseNodeExtern(obj(raw.node, 'node')), etcdIndex: 0 };
  if (raw.prevNode !== undefined && raw.prevNode !== null) e.prevNode = parseNodeExtern(obj(raw.prevNode, 'prevNode'));
  if (raw.refresh === true) e.refresh = true;
  return e;
}

/** A NodeExtern from etcd's JSON (the inverse of nodeExternJson). */
export function parseNodeExtern(raw: Record<string, unknown>): NodeExtern {
  const n: NodeExtern = {
    key: str(raw.key ?? '', 'key'),
    modifiedIndex: num(raw.modifiedIndex ?? 0, 'modifiedIndex'),
    createdIndex: num(raw.createdIndex ?? 0, 'createdIndex'),
  };
  if (raw.value !== undefined && raw.value !== null) n.value = str(raw.value, 'value');
  if (raw.dir === true) n.dir = true;
  if (typeof raw.expiration === 'string') n.expiration = parseRfc3339(raw.expiration);
  if (typeof raw.ttl === 'number' && raw.ttl !== 0) n.ttl = raw.ttl;
  if (Array.isArray(raw.nodes)) n.nodes = raw.nodes.map((c) => parseNodeExtern(obj(c, 'nodes')));
  return n;
}

function obj(x: unknown, what: string): Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error(`v2store: snapshot ${what} is not an object`);
  return x as Record<string, unknown>;
}

function str(x: unknown, what: string): string {
  if (typeof x !== 'string') throw new Error(`v2store: snapshot ${what} is not a string`);
  return x;
}

function num(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new Error(`v2store: snapshot ${what} is not an index`);
  return x;
}
