// version (version_command.go): etcdctl's two-line shape, with tetcd's own version.
import { TETCD_VERSION } from '../../config/version.js';
import type { CommandSpec } from '../cli/command.js';
import { CTL_API_VERSION } from '../cli/usage.js';

export const versionCommand: CommandSpec = {
  name: 'version',
  use: 'version',
  short: 'Prints the version of etcdctl',
  async run(ctx) {
    ctx.io.stdout(`etcdctl version: ${TETCD_VERSION}\nAPI version: ${CTL_API_VERSION}\n`);
  },
};
