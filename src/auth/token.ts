// Token providers (etcd's TokenProvider): what Authenticate hands out and how a request's token
// becomes a user. `--auth-token` selects one: `simple` (random, kept in memory by every member,
// expiring after --auth-token-ttl of disuse) or `jwt,pub-key=…,priv-key=…,sign-method=…,ttl=…`
// (signed, self-contained, carrying the auth revision it was issued at).
import { authError } from './errors.js';
import { SimpleTokenProvider } from './token-simple.js';
import { JwtTokenProvider } from './token-jwt.js';

/** Who a request acts as, and at which auth revision its credential was issued. */
export interface AuthInfo {
  readonly username: string;
  readonly revision: number;
}

/** Applied-entry facts a simple token is built from (deterministic across members). */
export interface AssignContext {
  /** The raft index of the Authenticate entry being applied. */
  readonly index: number;
  /** The random prefix the proposing member chose (InternalAuthenticateRequest.simple_token). */
  readonly simpleTokenPrefix: string;
}

export interface TokenProvider {
  /** The user of `token` at `revision` (the store's current one), or undefined if invalid. */
  info(token: string, revision: number): Promise<AuthInfo | undefined>;
  /** A new token for `username`; runs in apply on every member. */
  assign(username: string, revision: number, ctx: AssignContext): string;
  enable(): void;
  disable(): void;
  /** Forgets every token of a deleted user or one whose password changed. */
  invalidateUser(username: string): void;
  /** The random part of a simple token, chosen before proposing; '' for others. */
  genTokenPrefix(): string;
}

export interface TokenProviderOptions {
  /** --auth-token-ttl in seconds (simple tokens); 0 means etcd's default of 300. */
  ttlSeconds?: number;
  /**
   * Resolves once the member has applied `index`: a simple token names the index of its
   * Authenticate entry, and a member must not judge it before applying that entry.
   */
  waitApplied?: (index: number) => Promise<void>;
}

/** Parses `--auth-token` (etcd's decomposeOpts + NewTokenProvider). */
export function newTokenProvider(spec: string, opts: TokenProviderOptions = {}): TokenProvider {
  const [type = '', ...rest] = spec.split(',');
  const params = new Map<string, string>();
  for (const item of rest) {
    const pair = item.split('=');
    if (pair.length !== 2 || params.has(pair[0]!)) throw authError('InvalidAuthOpts');
    params.set(pair[0]!, pair[1]!);
  }
  switch (type) {
    case 'simple':
      return new SimpleTokenProvider(opts.ttlSeconds ?? 0, opts.waitApplied);
    case 'jwt':
      return JwtTokenProvider.fromOptions(params);
    case '':
      return new NopTokenProvider();
    default:
      throw authError('InvalidAuthOpts');
  }
}

/** etcd's tokenNop (an empty --auth-token): never valid, never assigned. */
export class NopTokenProvider implements TokenProvider {
  async info(): Promise<AuthInfo | undefined> {
    return undefined;
  }
  assign(): string {
    throw authError('AuthFailed');
  }
  enable(): void {}
  disable(): void {}
  invalidateUser(): void {}
  genTokenPrefix(): string {
    return '';
  }
}
