// Versions tetcd reports. ETCD_API_VERSION is the etcd release whose behaviour tetcd
// implements; it is what clients read as "the server version" (Maintenance.Status, /version),
// because clients and tools gate features on it. TETCD_VERSION is our own release.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ETCD_API_VERSION = '3.4.23';
/** The cluster version a 3.4 member publishes (etcd reports major.minor.0). */
export const CLUSTER_VERSION = '3.4.0';
export const TETCD_VERSION = readOwnVersion();

/** Go's GOARCH names for Node's process.arch values. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
const GOOS: Record<string, string> = { win32: 'windows' };

/**
 * `tetcd --version`: the four lines of `etcd --version` (scripts parse `etcd Version:`), with
 * honest values where Go-specific ones have no meaning, then tetcd's own version.
 */
export function formatVersion(): string {
  const os = GOOS[process.platform] ?? process.platform;
  const arch = GOARCH[process.arch] ?? process.arch;
  return [
    `etcd Version: ${ETCD_API_VERSION}`,
    'Git SHA: Not provided (tetcd is not built from etcd)',
    `Go Version: none (tetcd runs on Node.js ${process.version})`,
    `Go OS/Arch: ${os}/${arch}`,
    `tetcd Version: ${TETCD_VERSION}`,
    '',
  ].join('\n');
}

/**
 * The version in tetcd's package.json, found by walking up from this file: the compiled file
 * sits at different depths (dist/src/config, build/<area>/src/config).
 */
function readOwnVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tetcd' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
