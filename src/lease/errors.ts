// The lessor's errors with the gRPC status code and text etcd gives clients
// (etcdserver/api/v3rpc/rpctypes/error.go). The codes are plain numbers so that lease/ stays
// free of gRPC; api/ passes them through unchanged.

/** gRPC status codes used below (google.golang.org/grpc/codes). */
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_NOT_FOUND = 5;
const GRPC_OUT_OF_RANGE = 11;
const GRPC_UNAVAILABLE = 14;

export const LEASE_ERRORS = {
  NotFound: { code: GRPC_NOT_FOUND, message: 'etcdserver: requested lease not found' },
  Exists: { code: GRPC_FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  TTLTooLarge: { code: GRPC_OUT_OF_RANGE, message: 'etcdserver: too large lease TTL' },
  // etcd never shows this one to a client: a member that is not the leader forwards the renew.
  // Unavailable tells a client that reaches it anyway to retry (on another member).
  NotPrimary: { code: GRPC_UNAVAILABLE, message: 'etcdserver: not primary' },
} as const satisfies Record<string, { code: number; message: string }>;

export type LeaseErrorKind = keyof typeof LEASE_ERRORS;

export class LeaseError extends Error {
  readonly code: number;

  constructor(readonly kind: LeaseErrorKind) {
    super(LEASE_ERRORS[kind].message);
    this.name = 'LeaseError';
    this.code = LEASE_ERRORS[kind].code;
  }
}

export const ErrLeaseNotFound = (): LeaseError => new LeaseError('NotFound');
export const ErrLeaseExists = (): LeaseError => new LeaseError('Exists');
export const ErrLeaseTTLTooLarge = (): LeaseError => new LeaseError('TTLTooLarge');
export const ErrNotPrimary = (): LeaseError => new LeaseError('NotPrimary');

/** Whether `err` is the lessor's error of the given kind. */
export function isLeaseError(err: unknown, kind?: LeaseErrorKind): err is LeaseError {
  return err instanceof LeaseError && (kind === undefined || err.kind === kind);
}
