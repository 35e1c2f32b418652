// tetcdctl's API 2 command set (ETCDCTL_API=2): etcdctl 3.4's ctlv2, on urfave/cli's rules.
import { TETCD_VERSION } from '../../config/version.js';
import type { CtlIO } from '../cli/command.js';
import { runApp, type V2App } from './cli/app.js';
import { AUTH_COMMAND, ROLE_COMMAND, USER_COMMAND } from './commands/auth.js';
import { BACKUP_COMMAND } from './commands/backup.js';
import { KEY_COMMANDS as K } from './commands/keys.js';
import { CLUSTER_HEALTH_COMMAND, MEMBER_COMMAND } from './commands/member.js';
import { WATCH_COMMANDS as W } from './commands/watch.js';
import { GLOBAL_FLAGS } from './globals.js';

export const V2_APP: V2App = {
  name: 'etcdctl',
  usage: 'A simple command line client for etcd.',
  version: TETCD_VERSION,
  versionText: `etcdctl version: ${TETCD_VERSION}\nAPI version: 2\n`,
  flags: GLOBAL_FLAGS,
  // etcdctl's order, which its help lists as is.
  commands: [
    BACKUP_COMMAND,
    CLUSTER_HEALTH_COMMAND,
    K.mk,
    K.mkdir,
    K.rm,
    K.rmdir,
    K.get,
    K.ls,
    K.set,
    K.setdir,
    K.update,
    K.updatedir,
    W.watch,
    W.execWatch,
    MEMBER_COMMAND,
    USER_COMMAND,
    ROLE_COMMAND,
    AUTH_COMMAND,
  ],
};

/** Runs the API 2 command line (argv without the program name); resolves to the exit code. */
export function runCtlV2(argv: readonly string[], env: NodeJS.ProcessEnv, io: CtlIO): Promise<number> {
  return runApp(V2_APP, argv, io, env);
}
