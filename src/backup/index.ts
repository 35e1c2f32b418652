// Offline writers of member data dirs: `snapshot restore` (a new cluster from a v3 snapshot)
// and the v2 `backup` command (a copy of a stopped member that can only start as a new cluster).
export { restoreSnapshot, RestoreError, type RestoreConfig, type RestoreResult } from './restore.js';
export { runBackup, BackupError, type BackupOptions } from './backup.js';
export { ClusterConfigError } from './initial-cluster.js';
export { SnapshotHashError, verifySnapshotHash } from './snapshot-file.js';
export { silentLog, zapLogTo, type ZapLog } from './log.js';
export { migrateV2ToV3, type MigrateOptions, type MigrateResult } from './migrate.js';
