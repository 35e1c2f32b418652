// `tetcd [flags]`: Go flag-package syntax over the FLAGS table, then `ETCD_*` environment
// variables (pkg/flags.SetFlagsFromEnv), or a `--config-file` that replaces both — the order
// and the messages of etcd 3.4's etcdmain.
import { ConfigError, EXIT_INVALID, EXIT_USAGE, ValueError } from './errors.js';
import { FLAGS, flagToEnv, lookupFlag, type FlagSpec } from './flags.js';
import { buildServerConfig, defaultFlagValues, type ConfigMessage, type FlagValues, type ServerConfig } from './server-config.js';
import { usage } from './usage.js';
import { parseFlagValue, parseGoBool } from './values.js';
import { readConfigFile } from './yaml.js';

export type ParseResult = ServerConfig | { help: string } | { version: true };

/**
 * Parses `tetcd`'s arguments (without node and the script) and environment, as etcd does.
 * Returns `{help}` for `-h`/`--help`, `{version: true}` for `--version`, else the checked
 * configuration. Throws ConfigError: exitCode 2 for command-line syntax errors (unknown flag,
 * bad value, missing argument), 1 for invalid settings.
 */
export function parseServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  const messages: ConfigMessage[] = [];
  const values = defaultFlagValues();
  const parsed = parseCommandLine(argv, values, messages);
  if (parsed === 'help') return { help: usage() };
  if (parsed.rest.length > 0) throw new ConfigError(`'${parsed.rest[0]}' is not a valid flag`, EXIT_INVALID);
  if (values.get('version') === true) return { version: true };

  // The file decides before any other variable is looked at: with it, etcd ignores the rest.
  const configFile = (values.get('config-file') as string) || (env[flagToEnv('config-file')] ?? '');
  if (configFile !== '') {
    messages.push({
      level: 'info',
      msg: 'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided',
      fields: { path: configFile },
    });
    return buildServerConfig(readConfigFile(configFile, messages), { kind: 'file', path: configFile }, messages);
  }
  applyEnvironment(env, values, parsed.set, messages);
  return buildServerConfig(values, { kind: 'flags', explicitlySet: parsed.set }, messages);
}

/**
 * Go's flag.FlagSet.Parse: `-name`, `--name`, `-name=value`, `-name value` (not for bools);
 * stops at the first non-flag argument or after `--`. Values land in `values`.
 */
function parseCommandLine(
  argv: readonly string[],
  values: FlagValues,
  messages: ConfigMessage[],
): { set: Set<string>; rest: string[] } | 'help' {
  const set = new Set<string>();
  const args = [...argv];
  while (args.length > 0) {
    const arg = args[0]!;
    if (arg.length < 2 || !arg.startsWith('-')) break;
    const dashes = arg.startsWith('--') ? 2 : 1;
    if (arg === '--') {
      args.shift();
      break;
    }
    let name = arg.slice(dashes);
    if (name === '' || name.startsWith('-') || name.startsWith('=')) throw usageError(`bad flag syntax: ${arg}`);
    args.shift();
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = lookupFlag(name);
    if (!spec) {
      if (name === 'help' || name === 'h') return 'help';
      throw usageError(`flag provided but not defined: -${name}`);
    }
    if (spec.type === 'bool' || spec.type === 'ignored') {
      setBoolLike(spec, value, values, messages);
    } else {
      if (value === undefined && args.length > 0) value = args.shift();
      if (value === undefined) throw usageError(`flag needs an argument: -${name}`);
      try {
        values.set(name, parseFlagValue(spec, value));
      } catch (err) {
        throw asUsageError(err, `invalid value ${JSON.stringify(value)} for flag -${name}`);
      }
    }
    set.add(name);
  }
  return { set, rest: args };
}

function setBoolLike(spec: FlagSpec, value: string | undefined, values: FlagValues, messages: ConfigMessage[]): void {
  if (spec.type === 'ignored') {
    messages.push({ level: 'warn', msg: `flag "-${spec.name}" is no longer supported - ignoring.` });
    return;
  }
  try {
    values.set(spec.name, value === undefined ? true : parseGoBool(value));
  } catch (err) {
    throw asUsageError(err, `invalid boolean value ${JSON.stringify(value)} for -${spec.name}`);
  }
}

/**
 * pkg/flags.SetFlagsFromEnv: a flag not given on the command line takes `ETCD_<NAME>` when that
 * is non-empty; any other `ETCD_*` variable is reported as unrecognized, and one that shadows a
 * flag given on the command line is fatal (etcd 3.4 exits with its message).
 */
function applyEnvironment(env: NodeJS.ProcessEnv, values: FlagValues, cmdlineSet: Set<string>, messages: ConfigMessage[]): void {
  const shadowed = new Set([...cmdlineSet].map((name) => flagToEnv(name)));
  const used = new Set<string>();
  let lastError: ConfigError | undefined;
  // Go's VisitAll goes through flags in name order; the last failing one is reported.
  for (const spec of [...FLAGS].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const key = flagToEnv(spec.name);
    const text = env[key];
    if (shadowed.has(key) || text === undefined || text === '') continue;
    used.add(key);
    if (spec.type === 'ignored') {
      messages.push({ level: 'warn', msg: `flag "-${spec.name}" is no longer supported - ignoring.` });
      continue;
    }
    try {
      values.set(spec.name, spec.type === 'bool' ? parseGoBool(text) : parseFlagValue(spec, text));
      cmdlineSet.add(spec.name);
      messages.push({ level: 'info', msg: `recognized and used environment variable ${key}=${text}` });
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      lastError = new ConfigError(`invalid value ${JSON.stringify(text)} for ${key}: ${err.message}`);
    }
  }
  for (const [key, text] of Object.entries(env)) {
    if (used.has(key)) continue;
    if (shadowed.has(key)) {
      throw new ConfigError(
        `conflicting environment variable ${JSON.stringify(key)} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`,
      );
    }
    if (key.startsWith('ETCD_')) messages.push({ level: 'warn', msg: `unrecognized environment variable ${key}=${text ?? ''}` });
  }
  if (lastError) throw lastError;
}

function usageError(message: string): ConfigError {
  return new ConfigError(message, EXIT_USAGE);
}

function asUsageError(err: unknown, prefix: string): ConfigError {
  if (err instanceof ValueError) return usageError(`${prefix}: ${err.message}`);
  throw err;
}
