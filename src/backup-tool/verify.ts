// `tetcd-backup verify`: a set is good when every file checks out (see open-set.ts) and, with
// --restore-test, its snapshot restores into a member holding the revision, key count and
// HashKV the manifest recorded at backup time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecryptKeys } from './keys.js';
import type { Manifest } from './manifest.js';
import { openSet, type SetProblem } from './open-set.js';
import { restoreTest, type RestoredFigures } from './scratch-member.js';
import type { Target } from './target.js';

export interface VerifyResult {
  set: string;
  ok: boolean;
  manifest: Manifest | undefined;
  problems: SetProblem[];
  restored?: RestoredFigures;
}

export async function verifySet(target: Target, set: string, keys: DecryptKeys, withRestoreTest: boolean): Promise<VerifyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tetcd-backup-verify-'));
  try {
    const { manifest, problems, plain } = await openSet(target, set, keys, dir);
    const result: VerifyResult = { set, ok: false, manifest, problems };
    const snap = manifest?.files.find((f) => f.kind === 'snapshot');
    if (withRestoreTest && manifest && snap && plain.has(snap.name)) {
      const r = await restoreTest(plain.get(snap.name)!, manifest.snapshot.revision);
      result.restored = r;
      const want = manifest.snapshot;
      if (r.revision !== want.revision) problems.push({ file: snap.name, problem: `restore test: revision ${r.revision}, manifest says ${want.revision}` });
      if (r.liveKeys !== want.liveKeys) problems.push({ file: snap.name, problem: `restore test: ${r.liveKeys} keys, manifest says ${want.liveKeys}` });
      if (want.hashKV !== null && r.hashKV !== want.hashKV) problems.push({ file: snap.name, problem: `restore test: HashKV ${r.hashKV}, manifest says ${want.hashKV}` });
    }
    result.ok = problems.length === 0;
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
