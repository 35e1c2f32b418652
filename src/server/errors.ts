// Errors the member raises. Each carries etcd's exact message text (etcdserver/errors.go,
// v3rpc/rpctypes); api/ maps the text to the gRPC status code through its one table.

export class EtcdServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtcdServerError';
  }
}

export const ServerErrors = {
  stopped: () => new EtcdServerError('etcdserver: server stopped'),
  timeout: () => new EtcdServerError('etcdserver: request timed out'),
  noLeader: () => new EtcdServerError('etcdserver: no leader'),
  notLeader: () => new EtcdServerError('etcdserver: not leader'),
  leaderChanged: () => new EtcdServerError('etcdserver: leader changed'),
  requestTooLarge: () => new EtcdServerError('etcdserver: request is too large'),
  tooManyRequests: () => new EtcdServerError('etcdserver: too many requests'),
  noSpace: () => new EtcdServerError('etcdserver: mvcc: database space exceeded'),
  memberNotFound: () => new EtcdServerError('etcdserver: member not found'),
  badLeaderTransferee: () => new EtcdServerError('etcdserver: bad leader transferee'),
  corrupt: () => new EtcdServerError('etcdserver: corrupt cluster'),
  leaseNotFound: () => new EtcdServerError('etcdserver: requested lease not found'),
} as const;
