// pb.Request on the wire with etcd's nullable bools. In etcd, PrevExist and Refresh are
// `(gogoproto.nullable) = true`: absent means "not given", and an explicit false is written.
// The generated code (src/proto) treats false as the default, writing nothing and decoding an
// absent field as false, which would turn every plain PUT into a create after a log replay.
// These two functions keep the difference. Everything else is the generated codec.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { Request } from '../proto/etcdserver/etcdserverpb/etcdserver.js';

const PREV_EXIST_FIELD = 8;
const REFRESH_FIELD = 17;

/** Request bytes as etcd writes them: an explicit `false` PrevExist/Refresh is kept. */
export function encodeV2Request(r: Request): Uint8Array {
  const w = Request.encode(r);
  if (r.PrevExist === false) w.uint32((PREV_EXIST_FIELD << 3) | WireType.Varint).bool(false);
  if (r.Refresh === false) w.uint32((REFRESH_FIELD << 3) | WireType.Varint).bool(false);
  return w.finish();
}

/** A Request from bytes (etcd's or ours), with PrevExist/Refresh undefined when absent. */
export function decodeV2Request(bytes: Uint8Array): Request {
  const r = Request.decode(bytes);
  const present = fieldsPresent(bytes);
  if (!present.has(PREV_EXIST_FIELD)) r.PrevExist = undefined;
  if (!present.has(REFRESH_FIELD)) r.Refresh = undefined;
  return r;
}

function fieldsPresent(bytes: Uint8Array): Set<number> {
  const seen = new Set<number>();
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    seen.add(field);
    reader.skip(wireType, field);
  }
  return seen;
}
