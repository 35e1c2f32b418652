// Environment files in the style of `/etc/etcd/etcd.conf` (read by systemd's EnvironmentFile=
// or sourced by a shell): `ETCD_NAME=default` lines, `#` comments, optional `export`, values
// optionally in double quotes (with backslash escapes) or single quotes (literal).
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', $: '$', '`': '`', n: '\n' };

/** Reads an environment file into a map of variables (later lines win). */
export function readEnvFile(path: string): Record<string, string> {
  return parseEnvFile(readFileSync(path, 'utf8'), path);
}

/** Parses environment-file text; `source` names it in error messages. */
export function parseEnvFile(text: string, source = 'environment file'): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trim();
    // A trailing backslash continues an unquoted value on the next line, as systemd reads it.
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('export ')) line = line.slice('export '.length).trimStart();
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trimEnd();
    if (eq < 0 || !NAME.test(key)) throw new ConfigError(`${source}:${lineNo}: expected NAME=value, got ${JSON.stringify(line)}`);
    env[key] = parseValue(line.slice(eq + 1).trimStart(), `${source}:${lineNo}`);
  }
  return env;
}

function parseValue(raw: string, where: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return stripComment(raw);
  let value = '';
  let i = 1;
  for (; i < raw.length && raw[i] !== quote; i++) {
    const c = raw[i]!;
    const escaped = quote === '"' && c === '\\' ? DOUBLE_QUOTE_ESCAPES[raw[i + 1] ?? ''] : undefined;
    if (escaped !== undefined) {
      value += escaped;
      i++;
    } else {
      value += c;
    }
  }
  if (i >= raw.length) throw new ConfigError(`${where}: unterminated ${quote} quote`);
  const rest = raw.slice(i + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) throw new ConfigError(`${where}: unexpected text after closing quote: ${rest}`);
  return value;
}

/** In an unquoted value, `#` after whitespace starts a comment (as in a shell). */
function stripComment(raw: string): string {
  const m = /\s#/.exec(raw);
  return (m ? raw.slice(0, m.index) : raw).trim();
}
