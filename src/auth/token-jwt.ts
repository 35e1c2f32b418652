// etcd's JWT tokens (golang-jwt v3 as etcd 3.4 uses it): header {"alg","typ":"JWT"}, claims
// {"exp","revision","username"}, signed with --auth-token's sign-method and keys. RS*/PS*/ES*
// need priv-key to issue tokens (pub-key alone verifies only); HS* use priv-key as the secret.
// A JWT carries the auth revision it was issued at, so a later auth change makes it stale.
import { createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { authError } from './errors.js';
import { parseGoDuration } from './go-duration.js';
import type { AuthInfo, TokenProvider } from './token.js';

/** etcd's jwt DefaultTTL. */
export const JWT_DEFAULT_TTL_MS = 5 * 60 * 1000;

type Family = 'RS' | 'PS' | 'ES' | 'HS';
const SIGN_METHODS: ReadonlyMap<string, { family: Family; hash: string; ecBytes?: number }> = new Map([
  ['RS256', { family: 'RS', hash: 'sha256' }],
  ['RS384', { family: 'RS', hash: 'sha384' }],
  ['RS512', { family: 'RS', hash: 'sha512' }],
  ['PS256', { family: 'PS', hash: 'sha256' }],
  ['PS384', { family: 'PS', hash: 'sha384' }],
  ['PS512', { family: 'PS', hash: 'sha512' }],
  ['ES256', { family: 'ES', hash: 'sha256', ecBytes: 32 }],
  ['ES384', { family: 'ES', hash: 'sha384', ecBytes: 48 }],
  ['ES512', { family: 'ES', hash: 'sha512', ecBytes: 66 }],
  ['HS256', { family: 'HS', hash: 'sha256' }],
  ['HS384', { family: 'HS', hash: 'sha384' }],
  ['HS512', { family: 'HS', hash: 'sha512' }],
]);

const KNOWN_OPTIONS = new Set(['sign-method', 'pub-key', 'priv-key', 'ttl']);

export interface JwtKeys {
  signMethod: string;
  /** PEM (RS/PS/ES) */
  privateKey?: Buffer;
  publicKey?: Buffer;
  /** The HMAC secret (HS*), etcd reads it from priv-key. */
  secret?: Buffer;
  ttlMs?: number;
}

export class JwtTokenProvider implements TokenProvider {
  private readonly method: { family: Family; hash: string; ecBytes?: number };
  private readonly priv?: KeyObject;
  private readonly pub?: KeyObject;
  private readonly secret?: Buffer;
  private readonly ttlMs: number;
  /** Names of unknown options, for the caller to warn about as etcd does. */
  unknownOptions: string[] = [];

  constructor(
    private readonly keys: JwtKeys,
    private readonly now: () => number = Date.now,
  ) {
    const method = SIGN_METHODS.get(keys.signMethod);
    if (method === undefined) throw authError('InvalidAuthMethod');
    this.method = method;
    this.ttlMs = keys.ttlMs ?? JWT_DEFAULT_TTL_MS;
    if (method.family === 'HS') {
      if (!keys.secret || keys.secret.length === 0) throw authError('MissingKey');
      this.secret = keys.secret;
      return;
    }
    if (keys.privateKey && keys.privateKey.length > 0) this.priv = createPrivateKey(keys.privateKey);
    if (keys.publicKey && keys.publicKey.length > 0) this.pub = createPublicKey(keys.publicKey);
    if (!this.priv && !this.pub) throw authError('MissingKey');
    const wantType = method.family === 'ES' ? 'ec' : 'rsa';
    for (const k of [this.priv, this.pub]) {
      if (k && k.asymmetricKeyType !== wantType && !(wantType === 'rsa' && k.asymmetricKeyType === 'rsa-pss')) {
        throw new Error(`auth: key type ${k.asymmetricKeyType} does not fit sign-method ${keys.signMethod}`);
      }
    }
    if (this.priv && this.pub) {
      const derived = createPublicKey(this.priv).export({ type: 'spki', format: 'der' });
      if (!derived.equals(this.pub.export({ type: 'spki', format: 'der' }))) throw authError('KeyMismatch');
    }
  }

  /** From --auth-token's parameters: sign-method, pub-key and priv-key (files), ttl (Go duration). */
  static fromOptions(params: ReadonlyMap<string, string>): JwtTokenProvider {
    const ttl = params.get('ttl');
    const read = (name: string) => {
      const file = params.get(name);
      return file ? readFileSync(file) : undefined;
    };
    const signMethod = params.get('sign-method') ?? '';
    const family = SIGN_METHODS.get(signMethod)?.family;
    let ttlMs: number;
    try {
      ttlMs = ttl ? parseGoDuration(ttl) : JWT_DEFAULT_TTL_MS;
    } catch {
      throw authError('InvalidAuthOpts');
    }
    const privateKey = read('priv-key');
    const p = new JwtTokenProvider({
      signMethod,
      ttlMs,
      publicKey: read('pub-key'),
      ...(family === 'HS' ? { secret: privateKey } : { privateKey }),
    });
    p.unknownOptions = [...params.keys()].filter((k) => !KNOWN_OPTIONS.has(k));
    return p;
  }

  /** Whether tokens can be issued (not a verify-only public key). */
  get canSign(): boolean {
    return this.method.family === 'HS' || this.priv !== undefined;
  }

  enable(): void {}
  disable(): void {}
  invalidateUser(): void {}
  genTokenPrefix(): string {
    return '';
  }

  assign(username: string, revision: number): string {
    if (!this.canSign) throw authError('VerifyOnly');
    const header = b64url(JSON.stringify({ alg: this.keys.signMethod, typ: 'JWT' }));
    // Go's encoding/json writes map keys sorted
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    const claims = b64url(JSON.stringify({ exp, revision, username }));
    const input = `${header}.${claims}`;
    return `${input}.${this.signature(input).toString('base64url')}`;
  }

  async info(token: string): Promise<AuthInfo | undefined> {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, c, s] = parts as [string, string, string];
    let header: { alg?: unknown };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString());
      claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    } catch {
      return undefined;
    }
    if (header.alg !== this.keys.signMethod || typeof claims !== 'object' || claims === null) return undefined;
    if (!this.verifySignature(`${h}.${c}`, Buffer.from(s, 'base64url'))) return undefined;
    const nowS = this.now() / 1000;
    // golang-jwt v3 MapClaims.Valid: exp, iat and nbf are checked when present
    if (typeof claims.exp === 'number' && nowS > claims.exp) return undefined;
    if (typeof claims.iat === 'number' && nowS < claims.iat) return undefined;
    if (typeof claims.nbf === 'number' && nowS < claims.nbf) return undefined;
    if (typeof claims.username !== 'string' || typeof claims.revision !== 'number') return undefined;
    return { username: claims.username, revision: claims.revision };
  }

  private signature(input: string): Buffer {
    const m = this.method;
    switch (m.family) {
      case 'HS':
        return createHmac(m.hash, this.secret!).update(input).digest();
      case 'RS':
        return sign(m.hash, Buffer.from(input), this.priv!);
      case 'PS':
        return sign(m.hash, Buffer.from(input), { key: this.priv!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
      case 'ES':
        return sign(m.hash, Buffer.from(input), { key: this.priv!, dsaEncoding: 'ieee-p1363' });
    }
  }

  private verifySignature(input: string, sig: Buffer): boolean {
    const m = this.method;
    const key = this.pub ?? (this.priv ? createPublicKey(this.priv) : undefined);
    try {
      switch (m.family) {
        case 'HS': {
          const want = this.signature(input);
          return want.length === sig.length && timingSafeEqual(want, sig);
        }
        case 'RS':
          return verify(m.hash, Buffer.from(input), key!, sig);
        case 'PS':
          // golang-jwt verifies PS* with an automatic salt length
          return verify(m.hash, Buffer.from(input), { key: key!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
        case 'ES':
          if (sig.length !== 2 * m.ecBytes!) return false;
          return verify(m.hash, Buffer.from(input), { key: key!, dsaEncoding: 'ieee-p1363' }, sig);
      }
    } catch {
      return false;
    }
  }
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}
