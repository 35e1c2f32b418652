// backup (ctlv2/command/backup_command.go): the flags and checks are here; the copy itself is
// src/backup's runBackup, loaded on demand so that the key commands never pay for it and a
// build without it still runs every other command.
import type { V2Command } from '../cli/app.js';
import { die } from '../globals.js';

interface BackupModule {
  runBackup(opts: { dataDir: string; backupDir: string; walDir?: string; backupWalDir?: string; withV3: boolean }): Promise<void>;
}

/** The module path as a variable, so the compiler does not require src/backup to exist. */
const BACKUP_MODULE = '../../../backup/index.js';

async function loadBackup(): Promise<BackupModule | undefined> {
  try {
    const mod = (await import(BACKUP_MODULE)) as Partial<BackupModule>;
    return typeof mod.runBackup === 'function' ? (mod as BackupModule) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export const BACKUP_COMMAND: V2Command = {
  name: 'backup',
  usage: 'backup an etcd directory',
  argsUsage: ' ',
  flags: [
    { names: ['data-dir'], kind: 'string', usage: 'Path to the etcd data dir' },
    { names: ['wal-dir'], kind: 'string', usage: 'Path to the etcd wal dir' },
    { names: ['backup-dir'], kind: 'string', usage: 'Path to the backup dir' },
    { names: ['backup-wal-dir'], kind: 'string', usage: 'Path to the backup wal dir' },
    { names: ['with-v3'], kind: 'bool', usage: 'Backup v3 backend data' },
  ],
  async action(ctx) {
    const mod = await loadBackup();
    if (!mod) die(ctx, 'Error: backup is not available in this build');
    try {
      await mod.runBackup({
        dataDir: ctx.flags.string('data-dir'),
        backupDir: ctx.flags.string('backup-dir'),
        walDir: ctx.flags.string('wal-dir') || undefined,
        backupWalDir: ctx.flags.string('backup-wal-dir') || undefined,
        withV3: ctx.flags.bool('with-v3'),
      });
    } catch (err) {
      die(ctx, `Error: ${(err as Error).message}`);
    }
  },
};
