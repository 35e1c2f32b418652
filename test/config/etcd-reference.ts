// Reading the real etcd 3.4 as the reference: its `--help` output and its Go source.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCD_SRC = '/usr/share/gocode/src/go.etcd.io/etcd';

/** Why etcd-based tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  return existsSync(ETCD_BIN) ? undefined : `${ETCD_BIN} is not installed (Debian package etcd-server)`;
}

export function etcdSourceMissing(): string | undefined {
  return existsSync(`${ETCD_SRC}/etcdmain/config.go`) ? undefined : `etcd source not found at ${ETCD_SRC}`;
}

export function runEtcd(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(ETCD_BIN, args, { encoding: 'utf8', timeout: 10_000, cwd: '/tmp' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export interface HelpEntry {
  section: string;
  name: string;
  helpDefault: string;
  help: string[];
}

/** The flag entries of a flag-help text in etcd's layout (`  --name default` + indented lines). */
export function parseHelp(text: string): HelpEntry[] {
  const entries: HelpEntry[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const sectionMatch = /^(\S.*):$/.exec(line);
    const flagMatch = /^ {2}--(\S+)(?: (.*))?$/.exec(line);
    if (sectionMatch) section = sectionMatch[1]!;
    else if (flagMatch) entries.push({ section, name: flagMatch[1]!, helpDefault: flagMatch[2] ?? '', help: [] });
    else if (line.startsWith('    ') && entries.length > 0) entries[entries.length - 1]!.help.push(line.slice(4));
  }
  return entries;
}

/** Flag names registered in etcdmain/config.go newConfig (etcd's full flag set). */
export function flagNamesInSource(): string[] {
  const src = readFileSync(`${ETCD_SRC}/etcdmain/config.go`, 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/fs\.\w+\([^\n]*?"([a-z0-9.-]+)",/g)) names.add(m[1]!);
  // Flags registered with the name on its own line (fs.Var(\n value,\n "name",).
  for (const m of src.matchAll(/^\s+"([a-z0-9-]+)",$/gm)) names.add(m[1]!);
  for (const m of src.matchAll(/\), "([a-z0-9-]+)",$/gm)) names.add(m[1]!);
  const ignored = /ignored = \[\]string\{([^}]*)\}/s.exec(src)![1]!;
  for (const m of ignored.matchAll(/"([^"]+)"/g)) names.add(m[1]!);
  return [...names];
}

/** The json tags of etcd's config-file structs: embed.Config, configJSON, securityConfig, configProxy. */
export function yamlKeysInSource(): Set<string> {
  const text = readFileSync(`${ETCD_SRC}/embed/config.go`, 'utf8') + readFileSync(`${ETCD_SRC}/etcdmain/config.go`, 'utf8');
  return new Set([...text.matchAll(/json:"([a-z0-9-]+)"/g)].map((m) => m[1]!));
}
