// etcdctl's usage text (ctlv3/help.go): its template, flag lines and tab alignment.
import { ETCD_API_VERSION } from '../../config/version.js';
import { localFlags, inheritedFlags, sortedChildren, type CommandSpec } from './command.js';
import { defaultText, type FlagSpec } from './flags.js';
import { tabwrite } from './tabwriter.js';

/** The API version etcdctl 3.4 prints (major.minor). */
export const CTL_API_VERSION = '3.4';

function flagLines(flags: readonly FlagSpec[]): string {
  const sorted = [...flags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted
    .map((f) => {
      const head = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
      const def = f.kind === 'bool' ? `[=${defaultText(f)}]` : `=${defaultText(f)}`;
      return `${head}${def}\t${f.usage}\n`;
    })
    .join('');
}

/** cmdName in help.go: the names from just below `start` down to `cmd`. */
function nameFrom(path: readonly CommandSpec[], startIndex: number): string {
  return path
    .slice(startIndex + 1)
    .map((c) => c.name)
    .join(' ');
}

function runnableDescendants(cmd: CommandSpec, prefix: string[]): string[] {
  return sortedChildren(cmd).flatMap((c) => {
    const names = [...prefix, c.name];
    const own = c.run ? [`\t${names.join(' ')}\t${c.short}\n`] : [];
    return [...own, ...runnableDescendants(c, names)];
  });
}

/** The usage text of the last command of `path` (root first). */
export function usageText(path: readonly CommandSpec[]): string {
  const cmd = path[path.length - 1]!;
  const isRoot = path.length === 1;
  const hasFlags = true; // every command has at least --help
  const useLine = [...path.slice(0, -1).map((c) => c.name), cmd.use].join(' ') + (hasFlags && !cmd.use.includes('[flags]') ? ' [flags]' : '');
  let s = 'NAME:\n';
  s += `\t${isRoot ? cmd.name : nameFrom(path, 0)} - ${cmd.short}\n`;
  s += `\nUSAGE:\n\t${useLine}\n`;
  if (isRoot) s += `\nVERSION:\n\t${ETCD_API_VERSION}\n`;
  const hasSub = (cmd.subcommands?.length ?? 0) > 0;
  if (hasSub) s += `\nAPI VERSION:\n\t${CTL_API_VERSION}\n`;
  if (hasSub) s += `\n\nCOMMANDS:\n${runnableDescendants(cmd, []).join('')}`;
  if (cmd.long) s += `\nDESCRIPTION:\n${cmd.long.replace(/^[\n\t ]+|[\n\t ]+$/g, '').split('\n').map((l) => `\t${l}\n`).join('')}`;
  s += `\nOPTIONS:\n${flagLines(localFlags(cmd))}`;
  const inherited = inheritedFlags(path);
  if (inherited.length > 0) s += `\nGLOBAL OPTIONS:\n${flagLines(inherited)}`;
  s += '\n';
  return tabwrite(s);
}
