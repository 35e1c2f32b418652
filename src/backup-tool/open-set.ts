// Fetching a backup set back: every stored file is checked against the manifest (size and
// sha256 as stored), decoded, and checked again as plaintext; the snapshot also against its own
// sha256 trailer and the figures the manifest recorded. Each problem names the file.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifySnapshotHash } from '../backup/index.js';
import { decodeFile, hashFile } from './codec.js';
import type { DecryptKeys } from './keys.js';
import { MANIFEST_NAME, parseManifest, type Manifest } from './manifest.js';
import { snapshotFigures } from './snapshot.js';
import { parseTar } from './tar.js';
import { storedNameProblem, type Target } from './target.js';

export interface SetProblem {
  file: string;
  problem: string;
}

export interface OpenedSet {
  manifest: Manifest | undefined;
  problems: SetProblem[];
  /** Decoded plaintext paths by stored file name (only files that passed every check). */
  plain: Map<string, string>;
}

const plainName = (stored: string) => stored.replace(/(\.gz)?(\.age)?$/, '');

export async function openSet(target: Target, set: string, keys: DecryptKeys, dir: string): Promise<OpenedSet> {
  const problems: SetProblem[] = [];
  const plain = new Map<string, string>();
  const manifestPath = join(dir, MANIFEST_NAME);
  let manifest: Manifest;
  try {
    await target.fetch(set, MANIFEST_NAME, manifestPath);
    manifest = parseManifest(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    return { manifest: undefined, problems: [{ file: MANIFEST_NAME, problem: (err as Error).message }], plain };
  }
  const stored = new Set(await target.files(set));
  for (const name of stored) {
    if (name !== MANIFEST_NAME && !manifest.files.some((f) => f.name === name)) problems.push({ file: name, problem: 'not listed in the manifest' });
  }
  const encrypted = manifest.encryption !== 'none';
  // stored and decoded copies apart: without compression or encryption they share a name
  const storedDir = join(dir, 'stored');
  await mkdir(storedDir);
  for (const f of manifest.files) {
    // the manifest is read from the store: a name like ../../x must not become a local path
    const unsafe = storedNameProblem(f.name);
    if (unsafe) {
      problems.push({ file: f.name, problem: unsafe });
      continue;
    }
    const local = join(storedDir, f.name);
    if (!stored.has(f.name)) {
      problems.push({ file: f.name, problem: 'missing from the set' });
      continue;
    }
    await target.fetch(set, f.name, local);
    const got = await hashFile(local);
    if (got.size !== f.size || got.sha256 !== f.sha256) {
      problems.push({ file: f.name, problem: `stored sha256 mismatch (expected ${f.sha256} size ${f.size}, got ${got.sha256} size ${got.size})` });
      continue;
    }
    const out = join(dir, plainName(f.name));
    let dec: { size: number; sha256: string };
    try {
      dec = await decodeFile(local, out, manifest.compression, encrypted, keys);
    } catch (err) {
      problems.push({ file: f.name, problem: (err as Error).message });
      continue;
    }
    if (dec.sha256 !== f.plainSha256) {
      problems.push({ file: f.name, problem: `plaintext sha256 mismatch (expected ${f.plainSha256}, got ${dec.sha256})` });
      continue;
    }
    const bad = await checkContent(f.kind, out, manifest);
    if (bad) problems.push({ file: f.name, problem: bad });
    else plain.set(f.name, out);
  }
  if (!manifest.files.some((f) => f.kind === 'snapshot')) problems.push({ file: MANIFEST_NAME, problem: 'the manifest lists no snapshot' });
  return { manifest, problems, plain };
}

/** What the content itself must satisfy; a message when it does not. */
async function checkContent(kind: string, path: string, m: Manifest): Promise<string | undefined> {
  try {
    if (kind === 'snapshot') {
      await verifySnapshotHash(path, false);
      const s = await snapshotFigures(path);
      if (s.revision !== m.snapshot.revision || s.hash !== m.snapshot.hash) return `snapshot figures differ from the manifest (revision ${s.revision}, hash ${s.hash})`;
    } else if (kind === 'config') parseTar(await readFile(path));
    else if (kind === 'v2') JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    return `bad ${kind} content: ${(err as Error).message}`;
  }
  return undefined;
}
