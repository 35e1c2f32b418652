// The KV interfaces of the store (mvcc/kv.go), as the appliers and the watchable store use them.
import type { KeyValue } from '../proto/mvcc/mvccpb/kv.js';

export interface RangeOptions {
  /** 0 or absent: the current revision. */
  rev?: number;
  /** 0 or absent: no limit. `count` still counts every key in the range. */
  limit?: number;
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Number of keys in the range at the revision, regardless of limit. */
  count: number;
  /** The store's current revision (not the requested one), as etcd reports it. */
  rev: number;
}

/**
 * Range ends as etcd: `end` undefined or empty selects the single key; `\0` selects every key
 * >= key; otherwise [key, end).
 */
export interface TxnRead {
  range(key: Buffer, end: Buffer | undefined, options?: RangeOptions): RangeResult;
  /** The revision the transaction reads at (before its own changes), etcd's Rev(). */
  rev(): number;
  /** The oldest revision still readable (etcd's FirstRev: the compact revision). */
  firstRev(): number;
}

export interface PutResult {
  /** The key's value before this put, if it existed. */
  prev?: KeyValue;
  /** The revision this transaction writes. */
  rev: number;
}

export interface DeleteResult {
  deleted: number;
  /** The deleted key-values as they were before the delete, in key order. */
  prevKvs: KeyValue[];
  /** The revision of the transaction: the next one if anything changed, else the current. */
  rev: number;
}

export interface TxnWrite extends TxnRead {
  put(key: Buffer, value: Buffer, lease: bigint): PutResult;
  deleteRange(key: Buffer, end: Buffer | undefined): DeleteResult;
  /** The changes made so far: puts as stored, deletes as a KeyValue with only the key. */
  changes(): readonly KeyValue[];
}

/** Called after a write transaction with changes, in revision order. */
export type CommitListener = (changes: readonly KeyValue[], rev: number) => void;

export const NO_LEASE = 0n;
