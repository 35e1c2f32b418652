// Where backup sets live. A set is written into a hidden staging place and made visible in one
// step (a directory rename), after its manifest, so a crash or a failure never leaves a set that
// looks complete. The interface is what S3 or any other store implements too.
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_NAME } from './manifest.js';
import { meter, NO_PROGRESS, startProgress } from './progress.js';
import { setTime } from './set-name.js';

export interface SetWriter {
  /** Stores a local file under `name` in the set being written. */
  put(name: string, localPath: string): Promise<void>;
  /** Makes the set visible; the manifest must have been put last. */
  commit(): Promise<void>;
  /** Removes everything written so far. */
  abort(): Promise<void>;
}

export interface SetInfo {
  name: string;
  complete: boolean;
}

export interface Target {
  readonly description: string;
  /** Sets by name, oldest first; `complete` false for one without manifest. */
  list(): Promise<SetInfo[]>;
  begin(name: string): Promise<SetWriter>;
  /** Copies one stored file of a set to a local path. */
  fetch(set: string, name: string, localPath: string): Promise<void>;
  /** File names stored in a set. */
  files(set: string): Promise<string[]>;
  remove(set: string): Promise<void>;
}

export class TargetError extends Error {}

/** What a file name inside a set may be: one plain path component, the same on every target. */
const STORED_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Why `name` may not name a file of a set, or undefined when it may. Names come from manifests
 * and, through member names, from the cluster: none may reach outside the set's dir.
 */
export function storedNameProblem(name: string): string | undefined {
  if (!STORED_NAME.test(name) || name === '.' || name === '..') return `unsafe file name in a backup set: ${JSON.stringify(name)} (allowed: A-Z a-z 0-9 . _ -, not "." or "..")`;
  return undefined;
}

function checkStoredName(name: string): void {
  const bad = storedNameProblem(name);
  if (bad) throw new TargetError(bad);
}

function checkSetName(set: string): void {
  if (setTime(set) === undefined) throw new TargetError(`not a backup set name: ${JSON.stringify(set)}`);
}

const STAGING_PREFIX = '.partial-';

export class LocalTarget implements Target {
  readonly description: string;
  constructor(private readonly root: string) {
    this.description = root;
  }

  async list(): Promise<SetInfo[]> {
    if (!existsSync(this.root)) return [];
    const names = (await readdir(this.root)).filter((n) => setTime(n) !== undefined).sort();
    return names.map((name) => ({ name, complete: existsSync(join(this.root, name, MANIFEST_NAME)) }));
  }

  async begin(name: string): Promise<SetWriter> {
    checkSetName(name);
    const final = join(this.root, name);
    if (existsSync(final)) throw new TargetError(`backup set ${final} already exists`);
    const staging = join(this.root, STAGING_PREFIX + name);
    await mkdir(staging, { recursive: true, mode: 0o700 });
    return {
      put: async (file, localPath) => {
        checkStoredName(file);
        await copyShowingProgress(localPath, join(staging, file), `put ${file}`);
      },
      commit: () => rename(staging, final),
      abort: () => rm(staging, { recursive: true, force: true }),
    };
  }

  async fetch(set: string, name: string, localPath: string): Promise<void> {
    checkSetName(set);
    checkStoredName(name);
    try {
      await copyShowingProgress(join(this.root, set, name), localPath, `fetch ${name}`);
    } catch (err) {
      throw new TargetError(`${set}/${name}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
    }
  }

  async files(set: string): Promise<string[]> {
    checkSetName(set);
    const dir = join(this.root, set);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new TargetError(`no backup set ${set} in ${this.root}`);
    return (await readdir(dir)).sort();
  }

  async remove(set: string): Promise<void> {
    checkSetName(set);
    await rm(join(this.root, set), { recursive: true, force: true });
  }
}

/** copyFile, or a metered stream copy when a progress bar is being drawn. */
async function copyShowingProgress(from: string, to: string, label: string): Promise<void> {
  const bar = startProgress(label, (await stat(from)).size);
  if (bar === NO_PROGRESS) return copyFile(from, to);
  try {
    await pipeline(createReadStream(from), meter(bar), createWriteStream(to));
  } finally {
    bar.finish();
  }
}
