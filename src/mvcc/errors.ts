// mvcc's own errors (mvcc/kvstore.go). The server's appliers map them to etcd's client-facing
// texts ("etcdserver: mvcc: ...").

export class MvccError extends Error {
  constructor(
    readonly code: 'compacted' | 'futureRev',
    message: string,
  ) {
    super(message);
    this.name = 'MvccError';
  }
}

export const ErrCompacted = (): MvccError => new MvccError('compacted', 'mvcc: required revision has been compacted');
export const ErrFutureRev = (): MvccError => new MvccError('futureRev', 'mvcc: required revision is a future revision');

export function isCompacted(err: unknown): boolean {
  return err instanceof MvccError && err.code === 'compacted';
}

export function isFutureRev(err: unknown): boolean {
  return err instanceof MvccError && err.code === 'futureRev';
}
