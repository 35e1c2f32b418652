// etcd's simple tokens: 16 random letters, ".", and the raft index of the Authenticate entry.
// Every member records the token when it applies that entry; a token unused for the TTL
// (--auth-token-ttl, default 300 s, checked every second as etcd does) is forgotten, and each
// use restarts its TTL. Simple tokens are not signed: they are only as secret as the transport.
import { randomInt } from 'node:crypto';
import type { AssignContext, AuthInfo, TokenProvider } from './token.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TOKEN_LENGTH = 16;
export const SIMPLE_TOKEN_TTL_DEFAULT_S = 300;
const TTL_RESOLUTION_MS = 1000;

interface Entry {
  username: string;
  expiresAt: number;
}

export class SimpleTokenProvider implements TokenProvider {
  private readonly tokens = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private readonly ttlMs: number;

  constructor(
    ttlSeconds: number,
    private readonly waitApplied: (index: number) => Promise<void> = async () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = (ttlSeconds > 0 ? ttlSeconds : SIMPLE_TOKEN_TTL_DEFAULT_S) * 1000;
  }

  genTokenPrefix(): string {
    let s = '';
    for (let i = 0; i < TOKEN_LENGTH; i++) s += LETTERS[randomInt(LETTERS.length)];
    return s;
  }

  assign(username: string, _revision: number, ctx: AssignContext): string {
    const token = `${ctx.simpleTokenPrefix}.${ctx.index}`;
    // etcd records tokens only while enabled (its TTL keeper exists only then)
    if (this.timer !== undefined) this.tokens.set(token, { username, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  async info(token: string, revision: number): Promise<AuthInfo | undefined> {
    const parts = token.split('.');
    if (parts.length !== 2 || !/^[+-]?\d+$/.test(parts[1]!)) return undefined;
    const index = Number(parts[1]);
    if (!Number.isSafeInteger(index) || index < 0) return undefined;
    await this.waitApplied(index);
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    entry.expiresAt = this.now() + this.ttlMs;
    return { username: entry.username, revision };
  }

  enable(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.expire(), TTL_RESOLUTION_MS);
    this.timer.unref();
  }

  disable(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.tokens.clear();
  }

  invalidateUser(username: string): void {
    for (const [token, e] of this.tokens) if (e.username === username) this.tokens.delete(token);
  }

  /** Forgets expired tokens (public for tests that drive the clock). */
  expire(): void {
    const now = this.now();
    for (const [token, e] of this.tokens) if (now > e.expiresAt) this.tokens.delete(token);
  }
}
