// Shared fixtures of the auth tests: a store over a fresh backend in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../src/backend/index.js';
import { AuthStore, SimpleTokenProvider, AUTH_ERROR_MESSAGES, type AuthErrorCode, type TokenProvider } from '../../src/auth/index.js';
import { Permission_Type } from '../../src/proto/auth/authpb/auth.js';

export interface Fixture {
  dir: string;
  path: string;
  backend: Backend;
  store: AuthStore;
  tokens: TokenProvider;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/** bcrypt's minimum cost keeps hashing fast in tests. */
export const TEST_COST = 4;

export async function openFixture(makeTokens: () => TokenProvider = () => new SimpleTokenProvider(0)): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'tetcd-auth-'));
  const path = join(dir, 'db');
  const f: Fixture = {
    dir,
    path,
    backend: Backend.open(path),
    store: undefined as unknown as AuthStore,
    tokens: makeTokens(),
    async reopen() {
      f.store.close();
      await f.backend.close();
      f.backend = Backend.open(path);
      f.tokens = makeTokens();
      f.store = new AuthStore(f.backend, { tokenProvider: f.tokens, bcryptCost: TEST_COST });
    },
    async close() {
      f.store.close();
      await f.backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  f.store = new AuthStore(f.backend, { tokenProvider: f.tokens, bcryptCost: TEST_COST });
  return f;
}

export function err(code: AuthErrorCode): { message: string } {
  return { message: AUTH_ERROR_MESSAGES[code] };
}

export const b = (s: string) => Buffer.from(s);
export const { READ, WRITE, READWRITE } = Permission_Type;

/** Adds root (with the root role) and enables auth. */
export function enableWithRoot(store: AuthStore, password = 'rootpw'): void {
  store.userAdd({ name: 'root', password, options: undefined });
  store.userGrantRole('root', 'root');
  store.enable();
}

export function grant(store: AuthStore, role: string, permType: Permission_Type, key: string, rangeEnd = ''): void {
  store.roleGrantPermission({ name: role, perm: { permType, key: b(key), range_end: b(rangeEnd) } });
}
