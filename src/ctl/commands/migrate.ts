// `migrate`: etcdctl 3.4's v2 → v3 key migration of a stopped member's data dir (the work is
// backup/'s migrateV2ToV3). Only the default transformer exists: --transformer is refused.
import { migrateV2ToV3 } from '../../backup/index.js';
import { CtlError, ExitCode, type CommandSpec, type RunContext } from '../cli/command.js';

async function migrate(ctx: RunContext): Promise<void> {
  const f = ctx.flags;
  if (f.str('transformer') !== '') throw new CtlError('--transformer (an external transformer program) is not supported by tetcdctl', ExitCode.badFeature);
  ctx.io.stdout('using default transformer\n');
  let result;
  try {
    result = await migrateV2ToV3({ dataDir: f.str('data-dir'), walDir: f.str('wal-dir'), noTtl: f.bool('no-ttl') });
  } catch (err) {
    throw new CtlError((err as Error).message, ExitCode.error);
  }
  ctx.io.stdout(result.hadV2Keys ? 'finished transforming keys\n' : 'no v2 keys to migrate\n');
}

export const migrateCommand: CommandSpec = {
  name: 'migrate',
  use: 'migrate',
  short: 'Migrates keys in a v2 store to a mvcc store',
  flags: [
    { name: 'no-ttl', kind: 'bool', usage: 'Do not convert TTL keys', def: false },
    { name: 'data-dir', kind: 'string', usage: 'Path to the data directory', def: '' },
    { name: 'wal-dir', kind: 'string', usage: 'Path to the WAL directory', def: '' },
    { name: 'transformer', kind: 'string', usage: 'Path to the user-provided transformer program', def: '' },
  ],
  run: migrate,
};
