// urfave/cli v1's help texts (template.go) as etcdctl's API 2 prints them, aligned by Go's
// text/tabwriter with urfave's settings (minwidth 1, padding 2, spaces).
import type { V2Flag } from './flags.js';
import type { V2Command } from './app.js';

const PADDING = 2;

/** tabwriter for text whose lines hold at most one tab: each run of tabbed lines is one column. */
export function tabAlign(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let block: [string, string][] = [];
  const flush = () => {
    const w = Math.max(0, ...block.map(([a]) => [...a].length)) + PADDING;
    for (const [a, b] of block) out.push(a + ' '.repeat(w - [...a].length) + b);
    block = [];
  };
  for (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) {
      flush();
      out.push(line);
    } else {
      block.push([line.slice(0, tab), line.slice(tab + 1)]);
    }
  }
  flush();
  return out.join('\n');
}

/** urfave's flag line: names with a placeholder, a tab, usage and default. */
export function flagLine(f: V2Flag): string {
  let usage = f.usage;
  let placeholder = f.kind === 'bool' ? '' : 'value';
  const open = usage.indexOf('`');
  const close = open >= 0 ? usage.indexOf('`', open + 1) : -1;
  if (close > open) {
    placeholder = usage.slice(open + 1, close);
    usage = usage.slice(0, open) + placeholder + usage.slice(close + 1);
  }
  const names = f.names.map((n) => `${n.length === 1 ? '-' : '--'}${n}${placeholder ? ` ${placeholder}` : ''}`).join(', ');
  let def = '';
  if (f.kind === 'string' && f.value) def = ` (default: ${JSON.stringify(f.value)})`;
  else if (f.kind === 'int' || f.kind === 'duration') def = ` (default: ${f.value ?? 0})`;
  return `${names}\t${usage}${def}`;
}

export interface AppInfo {
  readonly name: string;
  readonly usage: string;
  readonly version: string;
  readonly flags: readonly V2Flag[];
  readonly commands: readonly V2Command[];
}

const commandNames = (c: V2Command) => [c.name, ...(c.aliases ?? [])].join(', ');

export function appHelp(app: AppInfo): string {
  const cmds = app.commands.map((c) => `\n   ${commandNames(c)}\t${c.usage}`).join('');
  const flags = app.flags.map(flagLine).join('\n   ');
  return tabAlign(
    `NAME:\n   ${app.name} - ${app.usage}\n\nUSAGE:\n   ${app.name} [global options] command [command options] [arguments...]\n\n` +
      `VERSION:\n   ${app.version}\n\nCOMMANDS:${cmds}\n\nGLOBAL OPTIONS:\n   ${flags}\n`,
  );
}

/** CommandHelpTemplate; helpName is "etcdctl get" or "etcdctl member list". */
export function commandHelp(helpName: string, c: V2Command): string {
  const flags = c.flags ?? [];
  let s = `NAME:\n   ${helpName} - ${c.usage}\n\nUSAGE:\n   ${helpName}${flags.length ? ' [command options]' : ''} ${c.argsUsage || '[arguments...]'}`;
  if (c.description) s += `\n\nDESCRIPTION:\n   ${c.description}`;
  if (flags.length) s += `\n\nOPTIONS:\n   ${flags.map((f) => `${flagLine(f)}\n   `).join('')}`;
  return tabAlign(`${s}\n`);
}

/** SubcommandHelpTemplate for a command group (member, user, role, auth). */
export function subcommandHelp(helpName: string, c: V2Command, helpFlag: V2Flag): string {
  const cmds = (c.subcommands ?? []).map((s) => `\n   ${commandNames(s)}\t${s.usage}`).join('');
  return tabAlign(
    `NAME:\n   ${helpName} - ${c.description ?? c.usage}\n\nUSAGE:\n   ${helpName} command [command options] ${c.argsUsage || '[arguments...]'}\n\n` +
      `COMMANDS:${cmds}\n\nOPTIONS:\n   ${flagLine(helpFlag)}\n   \n`,
  );
}
