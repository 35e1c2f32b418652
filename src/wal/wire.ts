// etcd's exact encodings of the small messages the WAL writes. etcd's gogo-protobuf code always
// writes proto2 fields marked non-nullable, even when zero, in field-number order, and writes a
// bytes field whenever it is non-nil (even if empty). ts-proto's generated encoders leave zero
// fields out (and write raftpb.Entry in declaration order), which decodes the same but is not
// byte-identical — so these encoders use the protobuf writer directly. Decoding stays with the
// generated code, which accepts both forms.
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** walpb.Record: type and crc always, data when given. */
export function marshalRecord(type: number, crc: number, data: Buffer | undefined): Uint8Array {
  const w = new BinaryWriter().uint32(8).int64(type).uint32(16).uint32(crc);
  if (data !== undefined) w.uint32(26).bytes(data);
  return w.finish();
}

/** walpb.Snapshot: index and term always. */
export function marshalWalSnapshot(index: number, term: number): Uint8Array {
  return new BinaryWriter().uint32(8).uint64(index).uint32(16).uint64(term).finish();
}

/** raftpb.HardState: term, vote, commit always. */
export function marshalHardState(term: number, vote: bigint, commit: number): Uint8Array {
  return new BinaryWriter().uint32(8).uint64(term).uint32(16).uint64(vote).uint32(24).uint64(commit).finish();
}

/** raftpb.Entry: Type, Term, Index always (in that order), Data when given. */
export function marshalEntry(type: number, term: number, index: number, data: Buffer | undefined): Uint8Array {
  const w = new BinaryWriter().uint32(8).uint64(type).uint32(16).uint64(term).uint32(24).uint64(index);
  if (data !== undefined) w.uint32(34).bytes(data);
  return w.finish();
}
