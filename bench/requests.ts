// Request builders shared by the workers and the coordinator. The generated ts-proto encoders
// expect every field present, so requests start from fromPartial templates.
import { randomBytes } from 'node:crypto';
import { PutRequest, RangeRequest, TxnRequest, type RequestOp } from '../src/proto/etcdserver/etcdserverpb/rpc.js';

const PUT_TEMPLATE = PutRequest.fromPartial({});
const RANGE_TEMPLATE = RangeRequest.fromPartial({});
const TXN_TEMPLATE = TxnRequest.fromPartial({});

/** Key number n as a fixed-width decimal key of `size` bytes (like etcd's fixed-size keys). */
export function keyOf(n: number, size: number): Buffer {
  return Buffer.from(String(n).padStart(size, '0').slice(-size));
}

/** A random value of `size` bytes, made once and reused (the server stores it as opaque bytes). */
export function valueOf(size: number): Buffer {
  return randomBytes(size);
}

export function putRequest(key: Buffer, value: Buffer): PutRequest {
  return { ...PUT_TEMPLATE, key, value };
}

export function rangeRequest(key: Buffer, opts: { serializable?: boolean; countOnly?: boolean; rangeEnd?: Buffer } = {}): RangeRequest {
  return {
    ...RANGE_TEMPLATE,
    key,
    range_end: opts.rangeEnd ?? RANGE_TEMPLATE.range_end,
    serializable: opts.serializable ?? false,
    count_only: opts.countOnly ?? false,
  };
}

/** An unconditional transaction of puts (etcd's txn-put with --txn-ops puts). */
export function txnOfPuts(puts: readonly PutRequest[]): TxnRequest {
  const success: RequestOp[] = puts.map((value) => ({ request: { $case: 'request_put', value } }));
  return { ...TXN_TEMPLATE, success };
}

/** "\0": with key "\0" a range covers every key. */
export const ALL_KEYS = Buffer.from([0]);
