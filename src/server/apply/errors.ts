// Errors of the v3 KV applier and request checks, with etcd's exact texts
// (etcdserver/api/v3rpc/rpctypes/error.go). `code` names the entry of api/'s RPC_ERRORS table,
// which gives the gRPC status code; handlers never build these strings.
import { isCompacted, isFutureRev } from '../../mvcc/index.js';

const TEXTS = {
  EmptyKey: 'etcdserver: key is not provided',
  KeyNotFound: 'etcdserver: key not found',
  ValueProvided: 'etcdserver: value is provided',
  LeaseProvided: 'etcdserver: lease is provided',
  TooManyOps: 'etcdserver: too many operations in txn request',
  DuplicateKey: 'etcdserver: duplicate key given in txn request',
  Compacted: 'etcdserver: mvcc: required revision has been compacted',
  FutureRev: 'etcdserver: mvcc: required revision is a future revision',
  LeaseNotFound: 'etcdserver: requested lease not found',
} as const;

export type EtcdErrorCode = keyof typeof TEXTS;

export class EtcdError extends Error {
  constructor(readonly code: EtcdErrorCode) {
    super(TEXTS[code]);
    this.name = 'EtcdError';
  }
}

/** Maps mvcc's errors to the client-facing ones; anything else is rethrown unchanged. */
export function toEtcdError(err: unknown): never {
  if (isCompacted(err)) throw new EtcdError('Compacted');
  if (isFutureRev(err)) throw new EtcdError('FutureRev');
  throw err;
}
