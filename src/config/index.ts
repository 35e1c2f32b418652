// The server configuration layer: one table of etcd 3.4's flags driving the command line,
// ETCD_* environment variables, the YAML --config-file and --help.
export { FLAGS, SECTIONS, lookupFlag, flagToEnv, flagField, type FlagSpec, type FlagType, type Section } from './flags.js';
export { ConfigError, EXIT_INVALID, EXIT_USAGE } from './errors.js';
export { parseServerConfig, type ParseResult } from './parse.js';
export {
  defaultServerConfig,
  defaultFlagValues,
  buildServerConfig,
  formatMessage,
  type ServerConfig,
  type ConfigMessage,
  type FlagValues,
  type ConfigSource,
} from './server-config.js';
export { readConfigFile, parseConfigYaml } from './yaml.js';
export { readEnvFile, parseEnvFile } from './env-file.js';
export { usage, usageLine, flagsHelp } from './usage.js';
export { ETCD_API_VERSION, CLUSTER_VERSION, TETCD_VERSION, formatVersion } from './version.js';
