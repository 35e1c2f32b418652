// manifest.json: what a backup set holds and how to check it. It is written last, so a set
// without one is incomplete by definition, and it carries the sha256 of its own canonical
// JSON so that a damaged manifest is named as such rather than trusted.
import { createHash } from 'node:crypto';
import type { Compression } from './codec.js';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'tetcd-backup/1';

export type FileKind = 'config' | 'snapshot' | 'v2';

export interface ManifestFile {
  name: string;
  kind: FileKind;
  /** The member whose config dir this is (config files only). */
  member?: string;
  size: number;
  sha256: string;
  plainSize: number;
  plainSha256: string;
  /** Config archives: how many tar entries; v2: how many nodes. */
  entries?: number;
  /** Config archives: where the dir was read; host (and user, port) only when read over SSH. */
  source?: { dir: string; host?: string; port?: number; user?: string };
}

export interface ManifestMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface Manifest {
  format: string;
  name: string;
  startedAt: string;
  completedAt: string;
  tool: { name: string; version: string; etcdApiVersion: string };
  server: { endpoint: string; version: string; clusterId: string; memberId: string; leader: string; raftIndex: number; dbSize: number };
  members: ManifestMember[];
  snapshot: { revision: number; hash: number; totalKeys: number; liveKeys: number; hashKV: number | null; compactRevision: number | null; dbSize: number; sha256Trailer: string };
  compression: Compression;
  encryption: 'age-recipients' | 'age-passphrase' | 'none';
  files: ManifestFile[];
  included: string[];
  excluded: { what: string; reason: string }[];
  /** sha256 of this manifest's canonical JSON with this field empty. */
  manifestSha256: string;
}

export class ManifestError extends Error {}

function canonical(m: Manifest): string {
  return JSON.stringify({ ...m, manifestSha256: '' });
}

export function sealManifest(m: Omit<Manifest, 'manifestSha256'>): Manifest {
  const full = { ...m, manifestSha256: '' };
  full.manifestSha256 = createHash('sha256').update(canonical(full)).digest('hex');
  return full;
}

export function renderManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** Parses and self-checks a manifest; any damage is a ManifestError naming manifest.json. */
export function parseManifest(text: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new ManifestError(`${MANIFEST_NAME}: not valid JSON (${(err as Error).message})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) throw new ManifestError(`${MANIFEST_NAME}: not a ${MANIFEST_FORMAT} manifest`);
  const actual = createHash('sha256').update(canonical(m)).digest('hex');
  if (actual !== m.manifestSha256) throw new ManifestError(`${MANIFEST_NAME}: self-hash mismatch (the manifest is damaged)`);
  return m;
}
