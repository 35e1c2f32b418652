/**
 * Conversion between raft's types and etcd's raftpb protobuf messages, so
 * that WAL records and peer messages are etcd's wire format. Terms and
 * indexes are uint64 on the wire and numbers here (below 2^53 by the project
 * rule); a larger value on the wire is refused rather than silently rounded.
 */
import * as pb from '../proto/raft/raftpb/raft.js';
import { ConfChangeType, EntryType, MessageType, type ConfChange, type ConfState, type Entry, type HardState, type Message, type Snapshot } from './types.js';

function toNumber(v: bigint | undefined, field: string): number {
  const n = v ?? 0n;
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`raft ${field} ${n} exceeds 2^53`);
  return Number(n);
}

/** An enum value from the wire, refused if this version does not know it. */
function toEnum<E extends number>(values: object, v: number | undefined, what: string): E {
  const n = v ?? 0;
  if (typeof (values as Record<number, unknown>)[n] !== 'string') throw new RangeError(`unknown raft ${what} ${n}`);
  return n as E;
}

function toBuffer(b: Uint8Array | undefined): Buffer {
  if (b === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function entryToPb(e: Entry): pb.Entry {
  return { Term: BigInt(e.term), Index: BigInt(e.index), Type: e.type as number as pb.EntryType, Data: e.data };
}

export function entryFromPb(e: pb.Entry): Entry {
  return { term: toNumber(e.Term, 'term'), index: toNumber(e.Index, 'index'), type: toEnum<EntryType>(EntryType, e.Type, 'entry type'), data: toBuffer(e.Data) };
}

export function hardStateToPb(h: HardState): pb.HardState {
  return { term: BigInt(h.term), vote: h.vote, commit: BigInt(h.commit) };
}

export function hardStateFromPb(h: pb.HardState): HardState {
  return { term: toNumber(h.term, 'term'), vote: h.vote ?? 0n, commit: toNumber(h.commit, 'commit') };
}

export function confStateToPb(cs: ConfState): pb.ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners], voters_outgoing: [], learners_next: [], auto_leave: false };
}

/** Joint configurations (voters_outgoing) are not supported: membership changes one at a time. */
export function confStateFromPb(cs: pb.ConfState | undefined): ConfState {
  if (cs !== undefined && cs.voters_outgoing.length > 0) throw new Error('joint configurations are not supported');
  return { voters: [...(cs?.voters ?? [])], learners: [...(cs?.learners ?? [])] };
}

export function snapshotToPb(s: Snapshot): pb.Snapshot {
  return {
    data: s.data,
    metadata: { conf_state: confStateToPb(s.metadata.confState), index: BigInt(s.metadata.index), term: BigInt(s.metadata.term) },
  };
}

export function snapshotFromPb(s: pb.Snapshot): Snapshot {
  return {
    data: toBuffer(s.data),
    metadata: {
      index: toNumber(s.metadata?.index, 'index'),
      term: toNumber(s.metadata?.term, 'term'),
      confState: confStateFromPb(s.metadata?.conf_state),
    },
  };
}

export function messageToPb(m: Message): pb.Message {
  const out: pb.Message = {
    type: m.type as number as pb.MessageType,
    to: m.to,
    from: m.from,
    term: BigInt(m.term),
    logTerm: BigInt(m.logTerm),
    index: BigInt(m.index),
    entries: m.entries.map(entryToPb),
    commit: BigInt(m.commit),
    // etcd's Message.Snapshot is non-nullable: it is always on the wire, empty when unused.
    snapshot: snapshotToPb(m.snapshot ?? { data: Buffer.alloc(0), metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } } }),
    reject: m.reject,
    rejectHint: BigInt(m.rejectHint),
  };
  if (m.context !== undefined) out.context = m.context;
  return out;
}

export function messageFromPb(m: pb.Message): Message {
  const out: Message = {
    type: toEnum<MessageType>(MessageType, m.type, 'message type'),
    to: m.to ?? 0n,
    from: m.from ?? 0n,
    term: toNumber(m.term, 'term'),
    logTerm: toNumber(m.logTerm, 'logTerm'),
    index: toNumber(m.index, 'index'),
    entries: m.entries.map(entryFromPb),
    commit: toNumber(m.commit, 'commit'),
    reject: m.reject ?? false,
    rejectHint: toNumber(m.rejectHint, 'rejectHint'),
  };
  if (m.snapshot !== undefined && (m.snapshot.metadata?.index ?? 0n) !== 0n) out.snapshot = snapshotFromPb(m.snapshot);
  if (m.context !== undefined && m.context.length > 0) out.context = toBuffer(m.context);
  return out;
}

export function confChangeToPb(cc: ConfChange): pb.ConfChange {
  return { type: cc.type as number as pb.ConfChangeType, node_id: cc.nodeId, context: cc.context, id: cc.id };
}

export function confChangeFromPb(cc: pb.ConfChange): ConfChange {
  return { type: toEnum<ConfChangeType>(ConfChangeType, cc.type, 'conf change type'), nodeId: cc.node_id ?? 0n, context: toBuffer(cc.context), id: cc.id ?? 0n };
}

export function encodeEntry(e: Entry): Buffer {
  return Buffer.from(pb.Entry.encode(entryToPb(e)).finish());
}

export function decodeEntry(buf: Uint8Array): Entry {
  return entryFromPb(pb.Entry.decode(buf));
}

export function encodeHardState(h: HardState): Buffer {
  return Buffer.from(pb.HardState.encode(hardStateToPb(h)).finish());
}

export function decodeHardState(buf: Uint8Array): HardState {
  return hardStateFromPb(pb.HardState.decode(buf));
}

export function encodeSnapshot(s: Snapshot): Buffer {
  return Buffer.from(pb.Snapshot.encode(snapshotToPb(s)).finish());
}

export function decodeSnapshot(buf: Uint8Array): Snapshot {
  return snapshotFromPb(pb.Snapshot.decode(buf));
}

export function encodeConfChange(cc: ConfChange): Buffer {
  return Buffer.from(pb.ConfChange.encode(confChangeToPb(cc)).finish());
}

export function decodeConfChange(buf: Uint8Array): ConfChange {
  return confChangeFromPb(pb.ConfChange.decode(buf));
}

export function encodeMessage(m: Message): Buffer {
  return Buffer.from(pb.Message.encode(messageToPb(m)).finish());
}

export function decodeMessage(buf: Uint8Array): Message {
  return messageFromPb(pb.Message.decode(buf));
}
