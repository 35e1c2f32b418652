// The typed configuration of one member, built from the flag values of any source (flags and
// environment, or a config file): refusal of unsupported settings, etcd's derived defaults,
// etcd's validation (embed.Config.Validate) and the conversion to ServerConfig.
import { ConfigError, ValueError } from './errors.js';
import { FLAGS, flagField, type FlagSpec } from './flags.js';
import { checkBindUrls, checkHostUrls, parseUrlsMap, toUrl, type GoUrl } from './urls.js';
import { parseFlagValue, parseGoDurationMs, sameValue, type FlagValue } from './values.js';

/** A line the config layer wants logged once a logger exists (etcd logs these while parsing). */
export interface ConfigMessage {
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields?: Readonly<Record<string, string>>;
}

/**
 * One member's configuration: a field per etcd flag, named in camelCase. Durations are in
 * milliseconds, URL lists are `URL[]` (WHATWG: a default port 80/443 reads as `port === ''`).
 * `localhost` in a listen URL means the loopback address (127.0.0.1), as for etcd.
 */
export interface ServerConfig {
  // Member
  name: string;
  /** Never empty: `${name}.tetcd` when not given (etcd's is `${name}.etcd`). */
  dataDir: string;
  /** '' means `<dataDir>/member/wal`. */
  walDir: string;
  snapshotCount: number;
  /** --heartbeat-interval, ms. */
  heartbeatInterval: number;
  /** --election-timeout, ms. */
  electionTimeout: number;
  initialElectionTickAdvance: boolean;
  listenPeerUrls: URL[];
  listenClientUrls: URL[];
  maxSnapshots: number;
  maxWals: number;
  /** 0 means etcd's default quota (2 GiB). */
  quotaBackendBytes: number;
  backendBatchInterval: number;
  backendBatchLimit: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  maxConcurrentStreams: number;
  grpcKeepaliveMinTime: number;
  grpcKeepaliveInterval: number;
  grpcKeepaliveTimeout: number;
  // Clustering
  initialAdvertisePeerUrls: URL[];
  /** --initial-cluster parsed: member name → its peer URLs (sorted), members in the order given. */
  initialCluster: Map<string, URL[]>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  advertiseClientUrls: URL[];
  discovery: string;
  discoveryFallback: string;
  discoveryProxy: string;
  discoverySrv: string;
  discoverySrvName: string;
  strictReconfigCheck: boolean;
  preVote: boolean;
  /** The flag text; see autoCompaction for its meaning. */
  autoCompactionRetention: string;
  autoCompactionMode: string;
  /**
   * etcd's parseCompactionRetention: `retention` is ms for periodic mode (a bare number is
   * hours), a revision count for revision mode; 0 disables auto compaction.
   */
  autoCompaction: { mode: 'periodic' | 'revision'; retention: number };
  enableV2: boolean;
  // Security
  certFile: string;
  keyFile: string;
  clientCertAuth: boolean;
  clientCrlFile: string;
  clientCertAllowedHostname: string;
  trustedCaFile: string;
  autoTls: boolean;
  peerCertFile: string;
  peerKeyFile: string;
  peerClientCertAuth: boolean;
  peerTrustedCaFile: string;
  peerCertAllowedCn: string;
  peerCertAllowedHostname: string;
  peerAutoTls: boolean;
  peerCrlFile: string;
  cipherSuites: string[];
  cors: string[];
  hostWhitelist: string[];
  // Auth
  authToken: string;
  bcryptCost: number;
  /** Seconds. */
  authTokenTtl: number;
  // Profiling and monitoring
  enablePprof: boolean;
  metrics: string;
  listenMetricsUrls: URL[];
  // Logging
  /** --logger ('zap' or 'capnslog'); renamed so it cannot be mistaken for a Logger object. */
  loggerType: string;
  /** etcd's `default` output is resolved to `stderr`, as etcd's zap logger does. */
  logOutputs: string[];
  logLevel: string;
  // v2 proxy
  proxy: string;
  proxyFailureWait: number;
  proxyRefreshInterval: number;
  proxyDialTimeout: number;
  proxyWriteTimeout: number;
  proxyReadTimeout: number;
  // Experimental, unsafe, deprecated
  experimentalInitialCorruptCheck: boolean;
  experimentalCorruptCheckTime: number;
  experimentalEnableV2v3: string;
  experimentalBackendBboltFreelistType: string;
  experimentalEnableLeaseCheckpoint: boolean;
  experimentalEnableLeaseCheckpointPersist: boolean;
  experimentalCompactionBatchLimit: number;
  experimentalPeerSkipClientSanVerification: boolean;
  experimentalWatchProgressNotifyInterval: number;
  experimentalWarningApplyDuration: number;
  enableGrpcGateway: boolean;
  forceNewCluster: boolean;
  unsafeNoFsync: boolean;
  debug: boolean;
  logPackageLevels: string;
  logOutput: string[];
  /** The config file the settings came from, '' when they came from flags and environment. */
  configFile: string;
  /** What etcd would log while reading its configuration, in order. */
  messages: ConfigMessage[];
  /** The warn-level messages as text lines. */
  warnings: string[];
}

/** Flag values by flag name, before derivation and validation. */
export type FlagValues = Map<string, FlagValue>;

/** Where the values came from: etcd derives and checks slightly differently for a config file. */
export type ConfigSource = { kind: 'flags'; explicitlySet: ReadonlySet<string> } | { kind: 'file'; path: string };

const VALUE_FLAGS = FLAGS.filter((f) => f.type !== 'ignored' && f.name !== 'version');
const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380';
const DEFAULT_NAME = 'default';
/** embed.maxElectionMs */
const MAX_ELECTION_MS = 50000;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'];
const HOUR_MS = 3600_000;

/** Every flag at etcd's default. */
export function defaultFlagValues(): FlagValues {
  return new Map(VALUE_FLAGS.map((f) => [f.name, parseFlagValue(f, f.default)]));
}

/** The configuration of `tetcd` with no flags, or with only `--name`. */
export function defaultServerConfig(name = DEFAULT_NAME): ServerConfig {
  const values = defaultFlagValues();
  values.set('name', name);
  return buildServerConfig(values, { kind: 'flags', explicitlySet: new Set(['name']) }, []);
}

/**
 * Turns flag values into a checked ServerConfig, in etcd's order: refuse what tetcd does not
 * support, apply etcdmain's derivations, run embed.Config.Validate, then the bootstrap parsing
 * of --initial-cluster and --auto-compaction-retention.
 */
export function buildServerConfig(values: FlagValues, source: ConfigSource, messages: ConfigMessage[]): ServerConfig {
  refuseUnsupported(values);
  const get = <T extends FlagValue>(name: string) => values.get(name) as T;

  // etcdmain: an explicit --listen-client-urls without --advertise-client-urls disables the
  // default advertise URL, so Validate below asks for one. A config file keeps the default.
  if (source.kind === 'flags' && source.explicitlySet.has('listen-client-urls') && !source.explicitlySet.has('advertise-client-urls')) {
    values.set('advertise-client-urls', []);
  }
  validate(values);

  // etcd's UpdateDefaultClusterFromName: `--name x` alone bootstraps a cluster of x.
  const name = get<string>('name');
  if (name !== DEFAULT_NAME && get<string>('initial-cluster') === DEFAULT_INITIAL_CLUSTER) {
    const apUrls = get<GoUrl[]>('initial-advertise-peer-urls');
    values.set('initial-cluster', apUrls.map((u) => `${name || DEFAULT_NAME}=${u.text}`).join(','));
  }
  if (get<string>('data-dir') === '') {
    const dataDir = `${name}.tetcd`;
    values.set('data-dir', dataDir);
    messages.push({ level: 'warn', msg: "'data-dir' was empty; using default", fields: { 'data-dir': dataDir } });
  }

  const cfg: Record<string, unknown> = {};
  for (const spec of VALUE_FLAGS) cfg[flagField(spec.name)] = toConfigValue(spec, values.get(spec.name)!);
  cfg.initialCluster = parseInitialCluster(get<string>('initial-cluster'));
  cfg.autoCompaction = parseAutoCompaction(get<string>('auto-compaction-mode'), get<string>('auto-compaction-retention'));
  cfg.logOutputs = get<string[]>('log-outputs').map((o) => (o === 'default' ? 'stderr' : o));
  cfg.configFile = source.kind === 'file' ? source.path : '';
  cfg.messages = messages;
  cfg.warnings = messages.filter((m) => m.level === 'warn').map(formatMessage);
  return cfg as unknown as ServerConfig;
}

/** A flag tetcd does not support is fine at its default and refused at any other value. */
function refuseUnsupported(values: FlagValues): void {
  for (const spec of VALUE_FLAGS) {
    if (spec.supported === true) continue;
    const value = values.get(spec.name)!;
    if (!sameValue(value, parseFlagValue(spec, spec.default))) {
      throw new ConfigError(`--${spec.name} is not supported by tetcd yet (${spec.supported})`);
    }
  }
}

/** embed.Config.Validate (and the logging checks of its setupLogging), with etcd's messages. */
function validate(values: FlagValues): void {
  const get = <T extends FlagValue>(name: string) => values.get(name) as T;
  validateLogging(get<string>('logger'), get<string[]>('log-outputs'), get<string>('log-level'));
  for (const name of ['listen-peer-urls', 'listen-client-urls', 'listen-metrics-urls']) {
    rethrow(() => checkBindUrls(get<GoUrl[]>(name)));
  }
  for (const name of ['initial-advertise-peer-urls', 'advertise-client-urls']) {
    const urls = get<GoUrl[]>(name);
    rethrow(() => checkHostUrls(urls), (reason) => `--${name} ${JSON.stringify(urls.map((u) => u.text).join(','))} must be "host:port" (${reason})`);
  }
  const state = get<string>('initial-cluster-state');
  if (state !== 'new' && state !== 'existing') throw new ConfigError(`unexpected clusterState ${JSON.stringify(state)}`);
  const bootstrapSources = [get<string>('discovery'), get<string>('initial-cluster'), get<string>('discovery-srv')];
  if (bootstrapSources.filter((s) => s !== '').length > 1) {
    throw new ConfigError('multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or "discovery-srv"');
  }
  const tickMs = get<number>('heartbeat-interval');
  const electionMs = get<number>('election-timeout');
  if (tickMs <= 0) throw new ConfigError(`--heartbeat-interval must be >0 (set to ${tickMs}ms)`);
  if (electionMs <= 0) throw new ConfigError(`--election-timeout must be >0 (set to ${electionMs}ms)`);
  if (5 * tickMs > electionMs) {
    throw new ConfigError(`--election-timeout[${electionMs}ms] should be at least as 5 times as --heartbeat-interval[${tickMs}ms]`);
  }
  if (electionMs > MAX_ELECTION_MS) {
    throw new ConfigError(`--election-timeout[${electionMs}ms] is too long, and should be set less than ${MAX_ELECTION_MS}ms`);
  }
  if (get<GoUrl[]>('listen-client-urls').length > 0 && get<GoUrl[]>('advertise-client-urls').length === 0) {
    throw new ConfigError('--advertise-client-urls is required when --listen-client-urls is set explicitly');
  }
  const mode = get<string>('auto-compaction-mode');
  if (mode !== '' && mode !== 'periodic' && mode !== 'revision') {
    throw new ConfigError(`unknown auto-compaction-mode ${JSON.stringify(mode)}`);
  }
}

function validateLogging(logger: string, outputs: string[], level: string): void {
  const quoted = (ss: string[]) => `[${ss.map((s) => JSON.stringify(s)).join(' ')}]`;
  if (logger === 'capnslog') {
    if (outputs.length !== 1) throw new ConfigError(`--logger=capnslog supports only 1 value in '--log-outputs', got ${quoted(outputs)}`);
    if (!['default', 'stderr', 'stdout'].includes(outputs[0]!)) {
      throw new ConfigError(`unknown log-output ${JSON.stringify(outputs[0])} (only supports "default", "stderr", "stdout")`);
    }
  } else if (logger === 'zap') {
    if (outputs.length > 1 && outputs.includes('default')) throw new ConfigError('multi logoutput for "default" is not supported yet');
    if (outputs.includes('systemd/journal')) throw new ConfigError('--log-outputs=systemd/journal is not supported by tetcd yet');
  } else {
    throw new ConfigError(`unknown logger option ${JSON.stringify(logger)}`);
  }
  // etcd panics on an unknown level; tetcd reports it.
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`unknown level ${JSON.stringify(level)}`);
}

function parseInitialCluster(text: string): Map<string, URL[]> {
  try {
    const members = parseUrlsMap(text);
    return new Map([...members].map(([name, urls]) => [name, urls.map(toUrl)]));
  } catch (err) {
    if (err instanceof ValueError) throw new ConfigError(`error setting up initial cluster: ${err.message}`);
    throw err;
  }
}

/** embed.parseCompactionRetention: a non-negative integer, else a Go duration. */
function parseAutoCompaction(mode: string, retention: string): ServerConfig['autoCompaction'] {
  const revisionMode = mode === 'revision';
  if (/^[+-]?[0-9]+$/.test(retention) && Number(retention) >= 0) {
    const n = Number(retention);
    return revisionMode ? { mode: 'revision', retention: n } : { mode: 'periodic', retention: n * HOUR_MS };
  }
  let ms: number;
  try {
    ms = parseGoDurationMs(retention);
  } catch {
    throw new ConfigError(`error parsing CompactionRetention: time: invalid duration ${JSON.stringify(retention)}`);
  }
  // etcd reads a duration in revision mode as its nanosecond count.
  return revisionMode ? { mode: 'revision', retention: ms * 1e6 } : { mode: 'periodic', retention: ms };
}

function toConfigValue(spec: FlagSpec, value: FlagValue): unknown {
  if (spec.type === 'urls') return (value as GoUrl[]).map((u) => rethrow(() => toUrl(u)));
  if (Array.isArray(value)) return [...value];
  return value;
}

/** Runs a check, turning its ValueError into a ConfigError (optionally reworded). */
function rethrow<T>(fn: () => T, reword: (reason: string) => string = (r) => r): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValueError) throw new ConfigError(reword(err.message));
    throw err;
  }
}

export function formatMessage(m: ConfigMessage): string {
  const fields = Object.entries(m.fields ?? {}).map(([k, v]) => `${k}=${v}`);
  return fields.length ? `${m.msg} (${fields.join(', ')})` : m.msg;
}
