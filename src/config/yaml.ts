// etcd's `--config-file`: YAML whose keys are embed.Config's json tags (plus the v2 proxy
// keys and the client-/peer-transport-security blocks). etcd converts the YAML to JSON and
// decodes it into Go structs, so the JSON type rules apply: numbers for integers and for
// durations (in nanoseconds!), strings for strings — `auto-compaction-retention: 1` is an
// error, `"1"` is not — comma-separated strings for URL lists, YAML lists for log outputs.
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, ValueError } from './errors.js';
import { FLAGS, type FlagSpec } from './flags.js';
import { defaultFlagValues, type ConfigMessage, type FlagValues } from './server-config.js';
import { parseUrlList } from './urls.js';
import { parseFlagValue, type FlagValue } from './values.js';

const JSON_PREFIX = 'error unmarshaling JSON: while decoding JSON: json: ';

const TOP_LEVEL = new Map<string, FlagSpec>(
  FLAGS.filter((f) => f.yamlKey !== null && !f.yamlKey.includes('.')).map((f) => [f.yamlKey!.toLowerCase(), f]),
);

const SECURITY_BLOCKS = new Map<string, Map<string, FlagSpec>>();
for (const f of FLAGS) {
  if (f.yamlKey === null || !f.yamlKey.includes('.')) continue;
  const [block, key] = f.yamlKey.split('.') as [string, string];
  if (!SECURITY_BLOCKS.has(block)) SECURITY_BLOCKS.set(block, new Map());
  SECURITY_BLOCKS.get(block)!.set(key, f);
}

/** Go types of the embed.Config fields whose type is not implied by the flag type. */
const GO_TYPES: Record<string, string> = {
  'snapshot-count': 'uint64',
  'quota-backend-bytes': 'int64',
  'max-concurrent-streams': 'uint32',
};

/** The messages etcd uses when a URL key of the file is bad (its own typo included). */
const URL_KEY_LABELS: Record<string, string> = { 'advertise-client-urls': 'advertise-peer-urls' };

/** Reads and parses a config file; errors carry etcd's texts. */
export function readConfigFile(path: string, messages: ConfigMessage[] = []): FlagValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(fsErrorText(err as NodeJS.ErrnoException, path));
  }
  return parseConfigYaml(text, messages);
}

/** Flag values from config-file YAML: etcd's defaults overlaid with the keys the file sets. */
export function parseConfigYaml(text: string, messages: ConfigMessage[] = []): FlagValues {
  let doc: unknown;
  try {
    // sigs.k8s.io/yaml reads YAML 1.1 (`yes`/`on` are booleans).
    doc = parseYaml(text, { version: '1.1' });
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ConfigError(`error converting YAML to JSON: yaml: ${err.message}`);
    throw err;
  }
  const values = defaultFlagValues();
  if (doc === null || doc === undefined) return values;
  if (!isObject(doc)) throw new ConfigError(`${JSON_PREFIX}cannot unmarshal ${jsonType(doc)} into Go value of type embed.configYAML`);
  for (const [key, value] of Object.entries(doc)) {
    if (value === null) continue;
    const block = SECURITY_BLOCKS.get(key.toLowerCase());
    if (block) {
      if (!isObject(value)) throw typeError(value, `configYAML.${key}`, 'embed.securityConfig');
      for (const [subKey, subValue] of Object.entries(value)) {
        const spec = block.get(subKey.toLowerCase());
        if (!spec || subValue === null) continue;
        const decoded = decode(spec, subValue, `securityConfig.${key}.${subKey}`);
        if (decoded !== undefined) values.set(spec.name, decoded);
      }
      continue;
    }
    const spec = TOP_LEVEL.get(key.toLowerCase());
    if (!spec) {
      messages.push({ level: 'warn', msg: 'unknown key in config file is ignored', fields: { key } });
      continue;
    }
    const decoded = decode(spec, value, `${spec.name.startsWith('proxy') ? 'configProxy' : 'configYAML'}.${key}`);
    if (decoded !== undefined) values.set(spec.name, decoded);
  }
  return values;
}

/** Undefined means "keep the default" (etcd skips empty URL strings and choice strings). */
function decode(spec: FlagSpec, value: unknown, field: string): FlagValue | undefined {
  switch (spec.type) {
    case 'string':
      return expectString(value, field);
    case 'choice': {
      const s = expectString(value, field);
      if (spec.name === 'initial-cluster-state') return s === '' ? 'new' : s; // checked by Validate
      if (s === '') return undefined;
      if (!spec.choices!.includes(s)) {
        throw new ConfigError(`unexpected error setting up ${spec.name === 'proxy' ? 'proxyFlag' : `${spec.name} flag`}: invalid value`);
      }
      return s;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw typeError(value, field, 'bool');
      return value;
    case 'uint':
    case 'uint32':
    case 'int':
      return expectInteger(value, field, GO_TYPES[spec.name] ?? spec.type);
    case 'duration':
      // time.Duration decodes from JSON as an integer count of nanoseconds.
      return expectInteger(value, field, 'time.Duration') / 1e6;
    case 'urls':
    case 'url-set': {
      const s = expectString(value, field);
      if (s === '') return undefined;
      try {
        return spec.type === 'urls' ? parseUrlList(s) : parseFlagValue(spec, s);
      } catch (err) {
        if (err instanceof ValueError) {
          throw new ConfigError(`unexpected error setting up ${URL_KEY_LABELS[spec.name] ?? spec.name}: ${err.message}`);
        }
        throw err;
      }
    }
    case 'unique-strings':
      if (spec.name === 'host-whitelist') {
        const s = expectString(value, field);
        return s === '' ? undefined : parseFlagValue(spec, s);
      }
      return expectStringArray(value, field);
    case 'strings':
      return expectStringArray(value, field);
    case 'ignored':
      return undefined;
  }
}

function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw typeError(value, field, 'string');
  return value;
}

function expectStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw typeError(value, field, '[]string');
  return value.map((v, i) => expectString(v, `${field}[${i}]`));
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  uint: [0, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  uint32: [0, 2 ** 32 - 1],
  int: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  'time.Duration': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function expectInteger(value: unknown, field: string, goType: string): number {
  if (typeof value !== 'number') throw typeError(value, field, goType);
  const [min, max] = INTEGER_RANGES[goType] ?? [0, 0];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${JSON_PREFIX}cannot unmarshal number ${value} into Go struct field ${field} of type ${goType}`);
  }
  return value;
}

function typeError(value: unknown, field: string, goType: string): ConfigError {
  return new ConfigError(`${JSON_PREFIX}cannot unmarshal ${jsonType(value)} into Go struct field ${field} of type ${goType}`);
}

function jsonType(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's os error texts for the failures a config path can hit. */
function fsErrorText(err: NodeJS.ErrnoException, path: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `open ${path}: no such file or directory`;
    case 'EACCES':
      return `open ${path}: permission denied`;
    case 'EISDIR':
      return `read ${path}: is a directory`;
    default:
      return err.message;
  }
}
