// The member's auth checks on the serving side (etcd's v3_server.go doSerialize and
// AuthInfoFromCtx, v3rpc's authMaintenanceServer and isWatchPermitted, and the membership
// permission check). Writes are checked again in apply (apply/auth.ts), with the user and auth
// revision this guard puts in the proposal's header, so a request in flight across an auth
// change is judged against the auth state at its place in the log.
//
// The credentials of the request being served come from the request-auth context that api/
// sets around every call (src/auth/context.ts): a token, or a verified client certificate's CN.
import { authError, currentRequestAuth, type AuthInfo, type AuthStore } from '../auth/index.js';
import type { InternalAuthenticateRequest, RequestHeader } from '../proto/etcdserver/etcdserverpb/raft_internal.js';
import type { AuthenticateRequest, AuthenticateResponse, RangeRequest, TxnRequest } from '../proto/etcdserver/etcdserverpb/rpc.js';
import { checkTxnPermission, type LeaseKeys } from './apply/auth.js';

/** How often Authenticate re-checks a password that went stale while its token was proposed. */
const MAX_AUTHENTICATE_ATTEMPTS = 5;

const NO_USER: AuthInfo = { username: '', revision: 0 };

export interface AuthGuardOptions {
  /** --client-cert-auth: only then may a client certificate's CN stand for a user. */
  clientCertAuth: boolean;
}

export class AuthGuard {
  constructor(
    readonly store: AuthStore,
    private readonly opts: AuthGuardOptions,
  ) {}

  /**
   * etcd's AuthInfoFromCtx: the user of the request's token (a token that is not valid fails
   * with `invalid auth token`, even while auth is disabled, as in etcd), else the CN of a
   * verified client certificate when --client-cert-auth is on, else undefined.
   */
  async authInfo(): Promise<AuthInfo | undefined> {
    const ra = currentRequestAuth();
    if (ra?.token !== undefined && ra.token !== '') {
      const ai = await this.store.authInfoFromToken(ra.token);
      if (ai === undefined) throw authError('InvalidAuthToken');
      return ai;
    }
    if (!this.opts.clientCertAuth || ra?.commonName === undefined || ra.commonName === '' || ra.viaGateway) return undefined;
    return { username: ra.commonName, revision: this.store.revision() };
  }

  /** The header of a proposal made for the current request (ID filled by the server). */
  async proposalHeader(id: bigint): Promise<RequestHeader> {
    const ai = await this.authInfo();
    return { ID: id, username: ai?.username ?? '', auth_revision: BigInt(ai?.revision ?? 0) };
  }

  /**
   * etcd's doSerialize for a local read: check, read, then fail if the auth store changed
   * meanwhile (the read may have been served under permissions already revoked).
   */
  async serialize<T>(check: (ai: AuthInfo) => void, read: () => T): Promise<T> {
    const ai = await this.authInfo();
    // no credentials: the checks see an empty user, which is refused while auth is enabled
    check(ai ?? NO_USER);
    const result = read();
    if (ai !== undefined && ai.revision !== 0 && ai.revision !== this.store.revision()) throw authError('AuthOldRevision');
    return result;
  }

  /** A range served locally. */
  range<T>(req: RangeRequest, read: () => T): Promise<T> {
    return this.serialize((ai) => this.store.isRangePermitted(ai, req.key, req.range_end), read);
  }

  /** A read-only txn served locally. */
  readonlyTxn<T>(req: TxnRequest, leaseKeys: LeaseKeys, read: () => T): Promise<T> {
    return this.serialize((ai) => checkTxnPermission(this.store, ai, req, leaseKeys), read);
  }

  /**
   * A new watcher on [key, rangeEnd) (empty rangeEnd: the key; "\0": every key >= key). Stricter
   * than etcd 3.4, which checks a --from-key watch as if it were on the single key.
   */
  async watch(key: Buffer, rangeEnd: Buffer): Promise<void> {
    const ai = await this.authInfo();
    this.store.isRangePermitted(ai ?? NO_USER, key.length === 0 ? Buffer.from([0]) : key, rangeEnd);
  }

  /**
   * Root-only calls served without the log: snapshot, defragment, hash, hashKV, member
   * add/remove/update/promote.
   */
  async admin(): Promise<void> {
    this.store.isAdminPermitted(await this.authInfo());
  }
}

/** The cancel reason of a watch create refused by `AuthGuard.watch` (etcd's watch.go). */
export function watchCancelReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const passthrough = [authError('InvalidAuthToken'), authError('AuthOldRevision'), authError('UserEmpty')].map((e) => e.message);
  return passthrough.includes(message) ? message : authError('PermissionDenied').message;
}

export interface AuthenticateDeps {
  /** Waits until this member has applied everything committed (a ReadIndex round). */
  linearizable(): Promise<void>;
  /** Proposes `{ authenticate }` and resolves with the applied response (header included). */
  propose(req: InternalAuthenticateRequest): Promise<AuthenticateResponse>;
}

/**
 * etcd's EtcdServer.Authenticate: the password is checked here, before proposing, so neither it
 * nor the bcrypt work goes through the log; the entry only records the token. If the auth store
 * changed between the check and the apply (a password change, say), check again (a bounded
 * number of times, where etcd retries without bound).
 */
export async function authenticate(store: AuthStore, req: AuthenticateRequest, deps: AuthenticateDeps): Promise<AuthenticateResponse> {
  await deps.linearizable();
  for (let attempt = 1; ; attempt++) {
    const checkedRevision = await store.checkPassword(req.name, req.password);
    const resp = await deps.propose({ name: req.name, password: '', simple_token: store.genTokenPrefix() });
    if (checkedRevision === store.revision()) return resp;
    if (attempt >= MAX_AUTHENTICATE_ATTEMPTS) throw authError('AuthOldRevision');
  }
}
