// The v3 command set, in etcdctl's registration order.
import type { CommandSpec } from '../cli/command.js';
import { authCommand, roleCommand, userCommand } from './auth.js';
import { checkCommand } from './check.js';
import { electCommand } from './elect.js';
import { delCommand, getCommand, putCommand } from './kv.js';
import { leaseCommand } from './lease.js';
import { lockCommand } from './lock.js';
import { alarmCommand, compactionCommand, defragCommand, endpointCommand, moveLeaderCommand } from './maintenance.js';
import { makeMirrorCommand } from './make-mirror.js';
import { memberCommand } from './member.js';
import { migrateCommand } from './migrate.js';
import { snapshotCommand } from './snapshot.js';
import { txnCommand } from './txn.js';
import { versionCommand } from './version.js';
import { watchCommand } from './watch.js';

export const V3_COMMANDS: readonly CommandSpec[] = [
  getCommand,
  putCommand,
  delCommand,
  txnCommand,
  compactionCommand,
  alarmCommand,
  defragCommand,
  endpointCommand,
  moveLeaderCommand,
  watchCommand,
  versionCommand,
  leaseCommand,
  memberCommand,
  snapshotCommand,
  makeMirrorCommand,
  migrateCommand,
  lockCommand,
  electCommand,
  authCommand,
  userCommand,
  roleCommand,
  checkCommand,
];
