// The one table of every etcd 3.4 server flag. Command-line parsing, `ETCD_*` environment
// variables, the YAML `--config-file`, `--help` and the "not supported yet" refusal are all
// driven from FLAGS, so a flag is added or changed in exactly one place.
//
// Sources (etcd 3.4.23): etcdmain/config.go newConfig() for names, Go types and defaults;
// etcdmain/help.go for help text and the default as help displays it; embed/config.go for the
// `json:"..."` tags that are the YAML keys.

/**
 * How a flag's text is parsed, mirroring the Go flag.Value etcd registers:
 * - `string`, `bool`, `uint` (Go uint/uint64), `uint32`, `int` (Go int/int64), `duration`
 *   (Go time.Duration, e.g. `5s`; held in milliseconds);
 * - `choice`: flags.SelectiveStringValue, one of `choices`;
 * - `urls`: flags.UniqueURLs, comma-separated http/https/unix/unixs URLs without path, sorted;
 * - `url-set`: `--cors`: like `urls` but `*` is allowed, held as the sorted unique strings;
 * - `strings`: flags.StringsValue, comma-separated, order kept;
 * - `unique-strings`: flags.UniqueStringsValue, comma-separated, sorted and deduplicated;
 * - `ignored`: a flag of old etcd versions that is accepted with a warning (flags.IgnoredFlag).
 */
export type FlagType =
  | 'string'
  | 'bool'
  | 'uint'
  | 'uint32'
  | 'int'
  | 'duration'
  | 'choice'
  | 'urls'
  | 'url-set'
  | 'strings'
  | 'unique-strings'
  | 'ignored';

/** The sections of `etcd --help`, in its order. */
export const SECTIONS = [
  'Member',
  'Clustering',
  'Security',
  'Auth',
  'Profiling and Monitoring',
  'Logging',
  'v2 Proxy (to be deprecated in v4)',
  'Experimental feature',
  'Unsafe feature',
  'TO BE DEPRECATED',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface FlagSpec {
  /** The flag name without dashes, as etcd spells it. */
  readonly name: string;
  readonly type: FlagType;
  /** etcd's default as flag text (what Go's flag package would accept); '' for none. */
  readonly default: string;
  /** The help lines under the flag in `etcd --help` (or the flag's usage string if help omits it). */
  readonly help: readonly string[];
  /** The default as `etcd --help` displays it, quotes included; differs from `default` where help.go does. */
  readonly helpDefault: string;
  /** Where `--help` lists the flag; null for flags etcd accepts but does not list. */
  readonly section: Section | null;
  /**
   * The YAML key in a `--config-file` (embed.Config's json tag), a dotted path for the
   * transport-security blocks, or null when etcd 3.4's config file cannot set the flag.
   */
  readonly yamlKey: string | null;
  /** true when tetcd honours the flag; otherwise the reason it is refused at a non-default value. */
  readonly supported: true | string;
  /** The valid values of a `choice` flag; the first is not necessarily the default. */
  readonly choices?: readonly string[];
}

const NOT_YET = 'not implemented in tetcd yet';
const NO_DISCOVERY = 'discovery bootstrap is not implemented in tetcd yet; use --initial-cluster';
const NO_PROXY = 'the v2 proxy is not implemented in tetcd';
const DEPRECATED_LOGGING = 'deprecated in etcd 3.4; use --log-outputs / --log-level';

/** Declares a flag; `helpDefault` defaults to the quoted `default`. */
function flag(
  name: string,
  type: FlagType,
  def: string,
  section: Section | null,
  help: string | readonly string[],
  opts: {
    yamlKey?: string | null;
    supported?: true | string;
    helpDefault?: string;
    choices?: readonly string[];
  } = {},
): FlagSpec {
  return {
    name,
    type,
    default: def,
    help: typeof help === 'string' ? [help] : help,
    helpDefault: opts.helpDefault ?? `'${def}'`,
    section,
    yamlKey: opts.yamlKey === undefined ? name : opts.yamlKey,
    supported: opts.supported ?? true,
    ...(opts.choices ? { choices: opts.choices } : {}),
  };
}

/** etcd's ignored flags (etcdmain/config.go `ignored`): accepted, warned about, no value taken. */
const IGNORED_FLAGS = [
  'cluster-active-size',
  'cluster-remove-delay',
  'cluster-sync-interval',
  'config',
  'force',
  'max-result-buffer',
  'max-retry-attempts',
  'peer-heartbeat-interval',
  'peer-election-timeout',
  'retry-interval',
  'snapshot',
  'v',
  'vv',
  'test.coverprofile',
  'test.outputdir',
];

export const FLAGS: readonly FlagSpec[] = [
  flag('config-file', 'string', '', null,
    'Path to the server configuration file. Note that if a configuration file is provided, other command line flags and environment variables will be ignored.',
    { yamlKey: null }),
  flag('version', 'bool', 'false', null, 'Print the version and exit.', { yamlKey: null }),

  // Member
  flag('name', 'string', 'default', 'Member', 'Human-readable name for this member.'),
  // etcd's flag default is '' and etcdmain then uses `${name}.etcd`; tetcd uses `${name}.tetcd`
  // so that it never opens a real etcd's data dir by accident.
  flag('data-dir', 'string', '', 'Member', 'Path to the data directory.', { helpDefault: "'${name}.tetcd'" }),
  flag('wal-dir', 'string', '', 'Member', 'Path to the dedicated wal directory.'),
  flag('snapshot-count', 'uint', '100000', 'Member', 'Number of committed transactions to trigger a snapshot to disk.'),
  flag('heartbeat-interval', 'uint', '100', 'Member', 'Time (in milliseconds) of a heartbeat interval.'),
  flag('election-timeout', 'uint', '1000', 'Member',
    'Time (in milliseconds) for an election to timeout. See tuning documentation for details.'),
  flag('initial-election-tick-advance', 'bool', 'true', 'Member',
    'Whether to fast-forward initial election ticks on boot for faster election.', { supported: NOT_YET }),
  flag('listen-peer-urls', 'urls', 'http://localhost:2380', 'Member', 'List of URLs to listen on for peer traffic.'),
  flag('listen-client-urls', 'urls', 'http://localhost:2379', 'Member', 'List of URLs to listen on for client traffic.'),
  flag('max-snapshots', 'uint', '5', 'Member', 'Maximum number of snapshot files to retain (0 is unlimited).'),
  flag('max-wals', 'uint', '5', 'Member', 'Maximum number of wal files to retain (0 is unlimited).'),
  flag('quota-backend-bytes', 'int', '0', 'Member',
    'Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).'),
  flag('backend-batch-interval', 'duration', '0s', 'Member',
    'BackendBatchInterval is the maximum time before commit the backend transaction.',
    { helpDefault: "''", supported: NOT_YET }),
  flag('backend-batch-limit', 'int', '0', 'Member',
    'BackendBatchLimit is the maximum operations before commit the backend transaction.', { supported: NOT_YET }),
  flag('max-txn-ops', 'uint', '128', 'Member', 'Maximum number of operations permitted in a transaction.'),
  flag('max-request-bytes', 'uint', '1572864', 'Member', 'Maximum client request size in bytes the server will accept.'),
  flag('max-concurrent-streams', 'uint32', '4294967295', 'Member',
    'Maximum concurrent streams that each client can open at a time.', { helpDefault: "'math.MaxUint32'" }),
  flag('grpc-keepalive-min-time', 'duration', '5s', 'Member',
    'Minimum duration interval that a client should wait before pinging server.'),
  flag('grpc-keepalive-interval', 'duration', '2h', 'Member',
    'Frequency duration of server-to-client ping to check if a connection is alive (0 to disable).'),
  flag('grpc-keepalive-timeout', 'duration', '20s', 'Member',
    'Additional duration of wait before closing a non-responsive connection (0 to disable).'),

  // Clustering
  flag('initial-advertise-peer-urls', 'urls', 'http://localhost:2380', 'Clustering',
    "List of this member's peer URLs to advertise to the rest of the cluster."),
  flag('initial-cluster', 'string', 'default=http://localhost:2380', 'Clustering',
    'Initial cluster configuration for bootstrapping.'),
  flag('initial-cluster-state', 'choice', 'new', 'Clustering', "Initial cluster state ('new' or 'existing').",
    { choices: ['new', 'existing'] }),
  flag('initial-cluster-token', 'string', 'etcd-cluster', 'Clustering', [
    'Initial cluster token for the etcd cluster during bootstrap.',
    'Specifying this can protect you from unintended cross-cluster interaction when running multiple clusters.',
  ]),
  flag('advertise-client-urls', 'urls', 'http://localhost:2379', 'Clustering', [
    "List of this member's client URLs to advertise to the public.",
    'The client URLs advertised should be accessible to machines that talk to etcd cluster. etcd client libraries parse these URLs to connect to the cluster.',
  ]),
  flag('discovery', 'string', '', 'Clustering', 'Discovery URL used to bootstrap the cluster.', { supported: NO_DISCOVERY }),
  flag('discovery-fallback', 'choice', 'proxy', 'Clustering', [
    "Expected behavior ('exit' or 'proxy') when discovery services fails.",
    '"proxy" supports v2 API only.',
  ], { choices: ['proxy', 'exit'], supported: NO_DISCOVERY }),
  flag('discovery-proxy', 'string', '', 'Clustering', 'HTTP proxy to use for traffic to discovery service.',
    { supported: NO_DISCOVERY }),
  flag('discovery-srv', 'string', '', 'Clustering', 'DNS srv domain used to bootstrap the cluster.', { supported: NO_DISCOVERY }),
  flag('discovery-srv-name', 'string', '', 'Clustering', 'Suffix to the dns srv name queried when bootstrapping.',
    { supported: NO_DISCOVERY }),
  flag('strict-reconfig-check', 'bool', 'true', 'Clustering', 'Reject reconfiguration requests that would cause quorum loss.'),
  flag('pre-vote', 'bool', 'false', 'Clustering', 'Enable to run an additional Raft election phase.'),
  flag('auto-compaction-retention', 'string', '0', 'Clustering',
    'Auto compaction retention length. 0 means disable auto compaction.'),
  flag('auto-compaction-mode', 'string', 'periodic', 'Clustering',
    "Interpret 'auto-compaction-retention' one of: periodic|revision. 'periodic' for duration based retention, defaulting to hours if no time unit is provided (e.g. '5m'). 'revision' for revision number based retention."),
  flag('enable-v2', 'bool', 'false', 'Clustering', 'Accept etcd V2 client requests.'),

  // Security. In etcd 3.4's config file only cert/key/client-cert-auth/trusted-ca/auto-tls are
  // settable, inside the client-/peer-transport-security blocks.
  flag('cert-file', 'string', '', 'Security', 'Path to the client server TLS cert file.',
    { yamlKey: 'client-transport-security.cert-file' }),
  flag('key-file', 'string', '', 'Security', 'Path to the client server TLS key file.',
    { yamlKey: 'client-transport-security.key-file' }),
  flag('client-cert-auth', 'bool', 'false', 'Security', 'Enable client cert authentication.',
    { yamlKey: 'client-transport-security.client-cert-auth' }),
  flag('client-crl-file', 'string', '', 'Security', 'Path to the client certificate revocation list file.',
    { yamlKey: null }),
  flag('client-cert-allowed-hostname', 'string', '', 'Security', 'Allowed TLS hostname for client cert authentication.',
    { yamlKey: null }),
  flag('trusted-ca-file', 'string', '', 'Security', 'Path to the client server TLS trusted CA cert file.',
    { yamlKey: 'client-transport-security.trusted-ca-file' }),
  flag('auto-tls', 'bool', 'false', 'Security', 'Client TLS using generated certificates.',
    { yamlKey: 'client-transport-security.auto-tls' }),
  flag('peer-cert-file', 'string', '', 'Security', 'Path to the peer server TLS cert file.',
    { yamlKey: 'peer-transport-security.cert-file' }),
  flag('peer-key-file', 'string', '', 'Security', 'Path to the peer server TLS key file.',
    { yamlKey: 'peer-transport-security.key-file' }),
  flag('peer-client-cert-auth', 'bool', 'false', 'Security', 'Enable peer client cert authentication.',
    { yamlKey: 'peer-transport-security.client-cert-auth' }),
  flag('peer-trusted-ca-file', 'string', '', 'Security', 'Path to the peer server TLS trusted CA file.',
    { yamlKey: 'peer-transport-security.trusted-ca-file' }),
  flag('peer-cert-allowed-cn', 'string', '', 'Security', 'Required CN for client certs connecting to the peer endpoint.',
    { yamlKey: null }),
  flag('peer-cert-allowed-hostname', 'string', '', 'Security', 'Allowed TLS hostname for inter peer authentication.',
    { yamlKey: null }),
  flag('peer-auto-tls', 'bool', 'false', 'Security',
    'Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided.',
    { yamlKey: 'peer-transport-security.auto-tls' }),
  flag('peer-crl-file', 'string', '', 'Security', 'Path to the peer certificate revocation list file.',
    { yamlKey: null }),
  flag('cipher-suites', 'strings', '', 'Security',
    'Comma-separated list of supported TLS cipher suites between client/server and peers (empty will be auto-populated by Go).'),
  flag('cors', 'url-set', '*', 'Security',
    'Comma-separated whitelist of origins for CORS, or cross-origin resource sharing, (empty or * means allow all).',
    { supported: NOT_YET }),
  flag('host-whitelist', 'unique-strings', '*', 'Security',
    'Acceptable hostnames from HTTP client requests, if server is not secure (empty or * means allow all).',
    { supported: NOT_YET }),

  // Auth
  flag('auth-token', 'string', 'simple', 'Auth',
    "Specify a v3 authentication token type and its options ('simple' or 'jwt')."),
  flag('bcrypt-cost', 'uint', '10', 'Auth',
    'Specify the cost / strength of the bcrypt algorithm for hashing auth passwords. Valid values are between 4 and 31.',
    { helpDefault: '10' }),
  flag('auth-token-ttl', 'uint', '300', 'Auth', 'Time (in seconds) of the auth-token-ttl.', { helpDefault: '300' }),

  // Profiling and Monitoring
  flag('enable-pprof', 'bool', 'false', 'Profiling and Monitoring',
    'Enable runtime profiling data via HTTP server. Address is at client URL + "/debug/pprof/"',
    { supported: "Go's pprof endpoints have no Node.js equivalent in tetcd yet" }),
  flag('metrics', 'string', 'basic', 'Profiling and Monitoring',
    "Set level of detail for exported metrics, specify 'extensive' to include histogram metrics."),
  flag('listen-metrics-urls', 'urls', '', 'Profiling and Monitoring',
    'List of URLs to listen on for the metrics and health endpoints.'),

  // Logging
  flag('logger', 'string', 'capnslog', 'Logging',
    "Specify 'zap' for structured logging or 'capnslog'. [WARN] 'capnslog' will be deprecated in v3.5."),
  flag('log-outputs', 'unique-strings', 'default', 'Logging',
    "Specify 'stdout' or 'stderr' to skip journald logging even when running under systemd, or list of comma separated output targets."),
  flag('log-level', 'string', 'info', 'Logging',
    'Configures log level. Only supports debug, info, warn, error, panic, or fatal.'),

  // v2 Proxy
  flag('proxy', 'choice', 'off', 'v2 Proxy (to be deprecated in v4)', "Proxy mode setting ('off', 'readonly' or 'on').",
    { choices: ['off', 'readonly', 'on'], supported: NO_PROXY }),
  flag('proxy-failure-wait', 'uint', '5000', 'v2 Proxy (to be deprecated in v4)',
    'Time (in milliseconds) an endpoint will be held in a failed state.', { helpDefault: '5000', supported: NO_PROXY }),
  flag('proxy-refresh-interval', 'uint', '30000', 'v2 Proxy (to be deprecated in v4)',
    'Time (in milliseconds) of the endpoints refresh interval.', { helpDefault: '30000', supported: NO_PROXY }),
  flag('proxy-dial-timeout', 'uint', '1000', 'v2 Proxy (to be deprecated in v4)',
    'Time (in milliseconds) for a dial to timeout.', { helpDefault: '1000', supported: NO_PROXY }),
  flag('proxy-write-timeout', 'uint', '5000', 'v2 Proxy (to be deprecated in v4)',
    'Time (in milliseconds) for a write to timeout.', { helpDefault: '5000', supported: NO_PROXY }),
  flag('proxy-read-timeout', 'uint', '0', 'v2 Proxy (to be deprecated in v4)',
    'Time (in milliseconds) for a read to timeout.', { helpDefault: '0', supported: NO_PROXY }),

  // Experimental
  flag('experimental-initial-corrupt-check', 'bool', 'false', 'Experimental feature',
    'Enable to check data corruption before serving any client/peer traffic.', { supported: NOT_YET }),
  flag('experimental-corrupt-check-time', 'duration', '0s', 'Experimental feature',
    'Duration of time between cluster corruption check passes.', { supported: NOT_YET }),
  flag('experimental-enable-v2v3', 'string', '', 'Experimental feature',
    'Serve v2 requests through the v3 backend under a given prefix.', { supported: NOT_YET }),
  flag('experimental-backend-bbolt-freelist-type', 'string', '', 'Experimental feature',
    'ExperimentalBackendFreelistType specifies the type of freelist that boltdb backend uses(array and map are supported types).',
    { helpDefault: "'array'", supported: 'tetcd stores the backend in LMDB, which has no bbolt freelist' }),
  flag('experimental-enable-lease-checkpoint', 'bool', 'false', 'Experimental feature',
    'ExperimentalEnableLeaseCheckpoint enables primary lessor to persist lease remainingTTL to prevent indefinite auto-renewal of long lived leases.'),
  flag('experimental-compaction-batch-limit', 'int', '0', 'Experimental feature',
    'ExperimentalCompactionBatchLimit sets the maximum revisions deleted in each compaction batch.',
    { helpDefault: '1000', supported: NOT_YET }),
  flag('experimental-peer-skip-client-san-verification', 'bool', 'false', 'Experimental feature',
    'Skip verification of SAN field in client certificate for peer connections.', { yamlKey: null, supported: NOT_YET }),
  flag('experimental-watch-progress-notify-interval', 'duration', '0s', 'Experimental feature',
    'Duration of periodical watch progress notification.', { helpDefault: "'10m'", supported: NOT_YET }),
  flag('experimental-warning-apply-duration', 'duration', '100ms', 'Experimental feature',
    'Warning is generated if requests take more than this duration.', { supported: NOT_YET }),
  // Registered by etcd 3.4.23 but not listed in its help.
  flag('experimental-enable-lease-checkpoint-persist', 'bool', 'false', null,
    'Enable persisting remainingTTL to prevent indefinite auto-renewal of long lived leases. Always enabled in v3.6. Should be used to ensure smooth upgrade from v3.5 clusters with this feature enabled. Requires experimental-enable-lease-checkpoint to be enabled.',
    { supported: NOT_YET }),
  flag('enable-grpc-gateway', 'bool', 'true', null, 'Enable GRPC gateway.'),

  // Unsafe
  flag('force-new-cluster', 'bool', 'false', 'Unsafe feature', 'Force to create a new one-member cluster.'),
  flag('unsafe-no-fsync', 'bool', 'false', null, 'Disables fsync, unsafe, will cause data loss.',
    { supported: 'tetcd always fsyncs its WAL' }),

  // To be deprecated
  flag('debug', 'bool', 'false', 'TO BE DEPRECATED',
    "Enable debug-level logging for etcd. [WARN] Will be deprecated in v3.5. Use '--log-level=debug' instead.",
    { supported: DEPRECATED_LOGGING }),
  flag('log-package-levels', 'string', '', 'TO BE DEPRECATED',
    "Specify a particular log level for each etcd package (eg: 'etcdmain=CRITICAL,etcdserver=DEBUG').",
    { supported: DEPRECATED_LOGGING }),
  flag('log-output', 'unique-strings', 'default', null, "[TO BE DEPRECATED IN v3.5] use '--log-outputs'.",
    { supported: DEPRECATED_LOGGING }),

  ...IGNORED_FLAGS.map((name) => flag(name, 'ignored', '', null, '', { yamlKey: null, helpDefault: '' })),
];

const FLAGS_BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

export function lookupFlag(name: string): FlagSpec | undefined {
  return FLAGS_BY_NAME.get(name);
}

/** etcd's pkg/flags FlagToEnv: `ETCD_` + the name upper-cased with `-` → `_`. */
export function flagToEnv(name: string, prefix = 'ETCD'): string {
  return `${prefix}_${name.replaceAll('-', '_').toUpperCase()}`;
}

/**
 * ServerConfig fields whose name is not the flag's camelCase: `logger` would collide with the
 * Logger object that the embedding API (startServer) takes under that name.
 */
const FIELD_OVERRIDES: Record<string, string> = { logger: 'loggerType' };

/** The ServerConfig field of a flag: its name in camelCase (`listen-client-urls` → `listenClientUrls`). */
export function flagField(name: string): string {
  return FIELD_OVERRIDES[name] ?? name.replace(/[-.]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
