// restore --start: the member is started detached; a missing binary is a clear error, not a crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDetached } from '../../src/backup-tool/restore.js';
import { makeTempDir, removeDir, sleep } from '../helpers/index.js';

const fdCount = () => readdirSync('/proc/self/fd').length;

describe('starting the restored member', () => {
  it('reports a missing program (ENOENT) as an error and leaks no log descriptor', async () => {
    const dir = await makeTempDir('backup-tool-start');
    try {
      const before = fdCount();
      await assert.rejects(startDetached([join(dir, 'no-such-tetcd')], ['--name=x'], join(dir, 'm.log')), /cannot start .*no-such-tetcd: no such program \(give --tetcd-bin\)/);
      assert.equal(fdCount(), before);
    } finally {
      await removeDir(dir);
    }
  });

  it('starts a program detached with its output in the log', async () => {
    const dir = await makeTempDir('backup-tool-start');
    try {
      const log = join(dir, 'm.log');
      const before = fdCount();
      const pid = await startDetached(['/bin/sh', '-c'], ['echo started-ok'], log);
      assert.ok(pid > 0);
      assert.equal(fdCount(), before);
      for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('started-ok'); i++) await sleep(20);
      assert.match(readFileSync(log, 'utf8'), /started-ok/);
    } finally {
      await removeDir(dir);
    }
  });
});
