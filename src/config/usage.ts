// `tetcd --help`, generated from the FLAGS table in the layout of etcd's etcdmain/help.go, so
// that anyone who knows `etcd --help` finds every flag where they expect it.
import { FLAGS, SECTIONS, type FlagSpec } from './flags.js';

/** The header etcd prints to stderr on a usage error (etcd's `usageline`, for tetcd). */
export function usageLine(): string {
  return `Usage:

  tetcd [flags]
    Start a tetcd server.

  tetcd --version
    Show the version of tetcd and of the etcd behaviour it implements.

  tetcd -h | --help
    Show the help information about tetcd.

  tetcd --config-file
    Path to the server configuration file. Note that if a configuration file is provided, other command line flags and environment variables will be ignored.
`;
}

/** The flag list of `--help` (etcd's `flagsline`), section by section. */
export function flagsHelp(): string {
  let out = '';
  for (const section of SECTIONS) {
    if (section === 'TO BE DEPRECATED') {
      out += '\nCAUTIOUS with unsafe flag! It may break the guarantees given by the consensus protocol!\n';
      out += `\n${section}:\n\n`;
    } else {
      out += `\n${section}:\n`;
    }
    for (const spec of FLAGS.filter((f) => f.section === section)) out += flagHelp(spec);
  }
  return out;
}

/** Everything `tetcd --help` prints. */
export function usage(): string {
  return `${usageLine()}${flagsHelp()}`;
}

function flagHelp(spec: FlagSpec): string {
  let out = `  --${spec.name} ${spec.helpDefault}\n`;
  for (const line of spec.help) out += `    ${line}\n`;
  if (spec.supported !== true) out += `    [tetcd: not supported yet: ${spec.supported}]\n`;
  return out;
}
