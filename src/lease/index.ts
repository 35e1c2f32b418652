// The lessor: leases, their keys and (on the leader) their deadlines. See lessor.ts.
export { Lessor, type LeaseInfo, type LeaseTimeToLive } from './lessor.js';
export {
  MAX_LEASE_TTL,
  NO_LEASE,
  minLeaseTtl,
  type Checkpointer,
  type LeaseCheckpoint,
  type LessorOptions,
} from './lessor-options.js';
export {
  LEASE_BUCKET,
  encodeLeaseRecord,
  decodeLeaseRecord,
  encodeLeaseKey,
  decodeLeaseKey,
  type LeaseRecord,
  type LeaseStore,
} from './lease-record.js';
export {
  LEASE_ERRORS,
  LeaseError,
  isLeaseError,
  ErrLeaseNotFound,
  ErrLeaseExists,
  ErrLeaseTTLTooLarge,
  ErrNotPrimary,
  type LeaseErrorKind,
} from './errors.js';
