// tetcd-backup: backup sets of an etcd/tetcd cluster (config dirs, v3 snapshot, v2 store),
// compressed and age-encrypted, on a target; listed, verified, pruned and restored.
export { main, EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_VERIFY_PROBLEMS, type CliIo } from './cli.js';
export { runBackup, RunError, configFileName, type RunOptions, type ConfigSource } from './run.js';
export { verifySet, type VerifyResult } from './verify.js';
export { restoreSet, RestoreRefused, type RestoreOptions, type RestoreOutcome } from './restore.js';
export { prune, pruneSelection, type Retention } from './prune.js';
export { LocalTarget, TargetError, type Target, type SetInfo, type SetWriter } from './target.js';
export { S3Target, s3SettingsFromUrl, parseSize, type S3Settings, type S3Checksum } from './target-s3.js';
export { ProgressBar, setProgressOutput, startProgress, formatBytes, NO_PROGRESS, type Progress, type ProgressOutput } from './progress.js';
export { encryptKeys, decryptKeys, KeyError, PASSPHRASE_ENV, type EncryptKeys, type DecryptKeys } from './keys.js';
export { podManifestEndpoints, readPodManifest, EndpointError, type TlsFiles } from './endpoints.js';
export { parseManifest, MANIFEST_NAME, type Manifest } from './manifest.js';
export { packDir, unpackTar, parseTar } from './tar.js';
export { setName, setTime } from './set-name.js';
export { fetchRemoteDir, parseRemoteSpec, SshError, type RemoteDir, type SshAuth } from './ssh-config.js';
export { Scheduler, cronSchedule, CronError, systemClock, type Clock, type NextFire } from './schedule.js';
export { ScheduleDaemon, type ScheduleConfig } from './cli-schedule.js';
export { ScheduleMetrics, METRIC_PREFIX } from './metrics.js';
export { remoteNameProblem, DEFAULT_SSH_TRANSFER_TIMEOUT_MS, type FetchedDir } from './ssh-config.js';
export { storedNameProblem } from './target.js';
export { startDetached } from './restore.js';
export { addMembers, memberStartCommand, type AddMembersOptions } from './restore.js';
