// etcd's sendFragments (v3rpc/watch.go): a watch response bigger than max-request-bytes, for a
// watcher that asked for `fragment`, is split into several responses with `fragment: true` on
// all but the last. A fragment always carries at least one event, so a single huge event is
// still sent whole.
import { WatchResponse } from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { Event } from '../../proto/mvcc/mvccpb/kv.js';

/** Bytes a length-delimited field of `n` bytes takes (1-byte tag + varint length + body). */
function fieldSize(n: number): number {
  let varint = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) varint++;
  return 1 + varint + n;
}

export function fragmentWatchResponse(wr: WatchResponse, maxRequestBytes: number): WatchResponse[] {
  if (wr.events.length < 2) return [wr];
  const base = WatchResponse.encode({ ...wr, events: [], fragment: true }).finish().length;
  const sizes = wr.events.map((ev) => fieldSize(Event.encode(ev).finish().length));
  if (base + sizes.reduce((a, b) => a + b, 0) < maxRequestBytes) return [wr];
  const out: WatchResponse[] = [];
  let start = 0;
  while (start < wr.events.length) {
    let end = start + 1;
    let size = base + sizes[start]!;
    while (end < wr.events.length && size + sizes[end]! < maxRequestBytes) size += sizes[end++]!;
    out.push({ ...wr, events: wr.events.slice(start, end), fragment: end < wr.events.length });
    start = end;
  }
  return out;
}
