// tetcd, the server under test, started from the project's build output exactly as users do.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMember, type Member, type MemberOptions } from './member.js';

/** The repository root: the nearest directory up from this file whose package.json is tetcd's. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tetcd') return dir;
    dir = dirname(dir);
  }
  throw new Error('tetcd repository root not found above test/helpers');
}

/** The built server; TETCD_BIN overrides it (e.g. to test another build). */
export const TETCD_BIN = process.env.TETCD_BIN ?? join(repoRoot(), 'dist/src/bin/tetcd.js');

/** Why tetcd cannot run here, or undefined when it can. */
export function tetcdSkipReason(): string | undefined {
  return existsSync(TETCD_BIN) ? undefined : 'tetcd binary not built';
}

export function startTetcd(opts: MemberOptions = {}): Promise<Member> {
  return startMember('tetcd', process.execPath, [TETCD_BIN], opts);
}
