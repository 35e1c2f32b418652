// `tetcd-backup list`, `verify` and `prune`.
import type { Command } from 'commander';
import { decryptKeys } from './keys.js';
import { prune } from './prune.js';
import { verifySet } from './verify.js';
import { EXIT_VERIFY_PROBLEMS, resolveSet, targetOf, targetOption, UsageError, type CliIo } from './cli-common.js';

export function registerList(p: Command, io: CliIo): void {
  p.command('list')
    .description('list backup sets')
    .addOption(targetOption())
    .option('--json', 'print JSON')
    .action(async (o) => {
      const sets = await targetOf(o, io.env).list();
      if (o.json) io.stdout(JSON.stringify(sets) + '\n');
      else for (const s of sets) io.stdout(`${s.name}\t${s.complete ? 'complete' : 'INCOMPLETE'}\n`);
    });

}

export function registerVerify(p: Command, io: CliIo, setCode: (c: number) => void): void {
  p.command('verify')
    .description('check every file of a set, decrypting; optionally restore it into a scratch member')
    .addOption(targetOption())
    .option('--set <name>', 'set name or "latest"', 'latest')
    .option('--identity-file <file>', 'age identities (AGE-SECRET-KEY-...)')
    .option('--passphrase-file <file>', 'passphrase file (or TETCD_BACKUP_PASSPHRASE)')
    .option('--restore-test', 'restore into a scratch member on loopback and compare with the manifest')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const t = targetOf(o, io.env);
      const set = await resolveSet(t, o.set);
      const r = await verifySet(t, set, decryptKeys({ identityFile: o.identityFile, passphraseFile: o.passphraseFile }, io.env), !!o.restoreTest);
      if (o.json) io.stdout(JSON.stringify({ set: r.set, ok: r.ok, problems: r.problems, restored: r.restored }) + '\n');
      else {
        for (const pr of r.problems) io.stdout(`BROKEN ${pr.file}: ${pr.problem}\n`);
        io.stdout(r.ok ? `${set}: OK${r.restored ? ` (restore test: revision ${r.restored.revision}, ${r.restored.liveKeys} keys, hashKV ${r.restored.hashKV})` : ''}\n` : `${set}: ${r.problems.length} problem(s)\n`);
      }
      if (!r.ok) setCode(EXIT_VERIFY_PROBLEMS);
    });

}

export function registerPrune(p: Command, io: CliIo): void {
  p.command('prune')
    .description('apply retention to complete sets')
    .addOption(targetOption())
    .option('--keep-last <n>', 'keep the newest N sets', '0')
    .option('--keep-daily <n>', 'keep the newest set of each of the last N days', '0')
    .option('--keep-weekly <n>', 'keep the newest set of each of the last N ISO weeks', '0')
    .option('--dry-run', 'only print what would be removed')
    .action(async (o) => {
      const n = (v: string, f: string) => {
        if (!/^\d+$/.test(v)) throw new UsageError(`${f} wants a count, got ${v}`);
        return Number(v);
      };
      const gone = await prune(targetOf(o, io.env), { keepLast: n(o.keepLast, '--keep-last'), keepDaily: n(o.keepDaily, '--keep-daily'), keepWeekly: n(o.keepWeekly, '--keep-weekly') }, !!o.dryRun);
      for (const s of gone) io.stdout(`${o.dryRun ? 'would remove' : 'removed'} ${s}\n`);
    });

}
