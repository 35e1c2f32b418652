// The differential-test harness: servers, etcdctl, gRPC clients, normalisation and the runner.
export { freePort, freePorts } from './ports.js';
export { makeTempDir, removeDir, startServer, sleep, type ServerProcess, type StartOptions } from './procs.js';
export { MEMBER_NAME, memberFlags, startMember, type Member, type MemberOptions } from './member.js';
export { ETCD_BIN, etcdSkipReason, startEtcd } from './etcd.js';
export { TETCD_BIN, tetcdSkipReason, startTetcd } from './tetcd.js';
export { ETCDCTL_BIN, etcdctl, startCtl, type BackgroundCtl, type CtlResult } from './etcdctl.js';
export { Normaliser, parseJsonOutput, type Identity, type NormalisedCtl, type NormaliseOptions } from './normalise.js';
export { connect, outcome, plain, unary, watchCollect, type Clients, type Outcome } from './grpc.js';
export { currentRevision, diffSuite, Session, type Step, type Suite, type Target } from './diff.js';
export { b, cmp, deleteOp, prefixEnd, putOp, rangeOp, txn, txnOp } from './requests.js';
export { whenHealthy } from './reconfig.js';
