// etcd 3.4's server-side gRPC errors (etcdserver/api/v3rpc/rpctypes/error.go): the one table
// that maps an error to its gRPC status code and exact message text. Handlers never build these strings.
import { status } from '@grpc/grpc-js';

export interface RpcError { readonly code: status; readonly message: string }

export const RPC_ERRORS = {
  EmptyKey: { code: status.INVALID_ARGUMENT, message: "etcdserver: key is not provided" },
  KeyNotFound: { code: status.INVALID_ARGUMENT, message: "etcdserver: key not found" },
  ValueProvided: { code: status.INVALID_ARGUMENT, message: "etcdserver: value is provided" },
  LeaseProvided: { code: status.INVALID_ARGUMENT, message: "etcdserver: lease is provided" },
  TooManyOps: { code: status.INVALID_ARGUMENT, message: "etcdserver: too many operations in txn request" },
  DuplicateKey: { code: status.INVALID_ARGUMENT, message: "etcdserver: duplicate key given in txn request" },
  Compacted: { code: status.OUT_OF_RANGE, message: "etcdserver: mvcc: required revision has been compacted" },
  FutureRev: { code: status.OUT_OF_RANGE, message: "etcdserver: mvcc: required revision is a future revision" },
  NoSpace: { code: status.RESOURCE_EXHAUSTED, message: "etcdserver: mvcc: database space exceeded" },
  LeaseNotFound: { code: status.NOT_FOUND, message: "etcdserver: requested lease not found" },
  LeaseExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: lease already exists" },
  LeaseTTLTooLarge: { code: status.OUT_OF_RANGE, message: "etcdserver: too large lease TTL" },
  WatchCanceled: { code: status.CANCELLED, message: "etcdserver: watch canceled" },
  MemberExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: member ID already exist" },
  PeerURLExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: Peer URLs already exists" },
  // etcd 3.4's toGRPCErrorMap maps these two to the client-side rpctypes errors, which are not
  // gRPC statuses, so they reach clients with code Unknown (seen on a real 3.4.23).
  MemberNotEnoughStarted: { code: status.UNKNOWN, message: "etcdserver: re-configuration failed due to not enough started members" },
  MemberBadURLs: { code: status.INVALID_ARGUMENT, message: "etcdserver: given member URLs are invalid" },
  MemberNotFound: { code: status.NOT_FOUND, message: "etcdserver: member not found" },
  MemberNotLearner: { code: status.FAILED_PRECONDITION, message: "etcdserver: can only promote a learner member" },
  LearnerNotReady: { code: status.FAILED_PRECONDITION, message: "etcdserver: can only promote a learner member which is in sync with leader" },
  TooManyLearners: { code: status.FAILED_PRECONDITION, message: "etcdserver: too many learner members in cluster" },
  RequestTooLarge: { code: status.INVALID_ARGUMENT, message: "etcdserver: request is too large" },
  RequestTooManyRequests: { code: status.UNKNOWN, message: "etcdserver: too many requests" },
  RootUserNotExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: root user does not exist" },
  RootRoleNotExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: root user does not have root role" },
  UserAlreadyExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: user name already exists" },
  UserEmpty: { code: status.INVALID_ARGUMENT, message: "etcdserver: user name is empty" },
  UserNotFound: { code: status.FAILED_PRECONDITION, message: "etcdserver: user name not found" },
  RoleAlreadyExist: { code: status.FAILED_PRECONDITION, message: "etcdserver: role name already exists" },
  RoleNotFound: { code: status.FAILED_PRECONDITION, message: "etcdserver: role name not found" },
  RoleEmpty: { code: status.INVALID_ARGUMENT, message: "etcdserver: role name is empty" },
  AuthFailed: { code: status.INVALID_ARGUMENT, message: "etcdserver: authentication failed, invalid user ID or password" },
  PermissionDenied: { code: status.PERMISSION_DENIED, message: "etcdserver: permission denied" },
  RoleNotGranted: { code: status.FAILED_PRECONDITION, message: "etcdserver: role is not granted to the user" },
  PermissionNotGranted: { code: status.FAILED_PRECONDITION, message: "etcdserver: permission is not granted to the role" },
  AuthNotEnabled: { code: status.FAILED_PRECONDITION, message: "etcdserver: authentication is not enabled" },
  InvalidAuthToken: { code: status.UNAUTHENTICATED, message: "etcdserver: invalid auth token" },
  InvalidAuthMgmt: { code: status.INVALID_ARGUMENT, message: "etcdserver: invalid auth management" },
  AuthOldRevision: { code: status.INVALID_ARGUMENT, message: "etcdserver: revision of auth store is old" },
  NoLeader: { code: status.UNAVAILABLE, message: "etcdserver: no leader" },
  NotLeader: { code: status.FAILED_PRECONDITION, message: "etcdserver: not leader" },
  LeaderChanged: { code: status.UNAVAILABLE, message: "etcdserver: leader changed" },
  NotCapable: { code: status.UNAVAILABLE, message: "etcdserver: not capable" },
  Stopped: { code: status.UNAVAILABLE, message: "etcdserver: server stopped" },
  Timeout: { code: status.UNAVAILABLE, message: "etcdserver: request timed out" },
  TimeoutDueToLeaderFail: { code: status.UNAVAILABLE, message: "etcdserver: request timed out, possibly due to previous leader failure" },
  TimeoutDueToConnectionLost: { code: status.UNAVAILABLE, message: "etcdserver: request timed out, possibly due to connection lost" },
  TimeoutWaitAppliedIndex: { code: status.UNAVAILABLE, message: "etcdserver: request timed out, waiting for the applied index took too long" },
  Unhealthy: { code: status.UNAVAILABLE, message: "etcdserver: unhealthy cluster" },
  Corrupt: { code: status.DATA_LOSS, message: "etcdserver: corrupt cluster" },
  NotSupportedForLearner: { code: status.UNAVAILABLE, message: "etcdserver: rpc not supported for learner" },
  BadLeaderTransferee: { code: status.FAILED_PRECONDITION, message: "etcdserver: bad leader transferee" },

  // Plain Go errors of the election and lock services (v3election, clientv3/concurrency): grpc-go
  // sends them with code Unknown. Listed so they are recognised as expected, not logged.
  MissingLeaderKey: { code: status.UNKNOWN, message: '"leader" field must be provided' },
  ElectionNoLeader: { code: status.UNKNOWN, message: "election: no leader" },
  ElectionNotLeader: { code: status.UNKNOWN, message: "election: not leader" },
  SessionExpired: { code: status.UNKNOWN, message: "session expired" },

  // tetcd's own: a watch stream whose client reads slower than events arrive is closed rather than
  // buffered without bound. UNAVAILABLE makes etcd clients reopen the stream and resume watchers
  // from their last revision, so no event is lost.
  WatchStreamTooSlow: { code: status.UNAVAILABLE, message: "etcdserver: watch stream closed, the client reads too slowly" },
} as const satisfies Record<string, RpcError>;
