#!/usr/bin/env node
// The tetcd server command: etcd's flags, ETCD_* environment variables and --config-file.
import { parseServerConfig, ConfigError, formatVersion, usage } from '../config/index.js';
import { startServer } from '../embed.js';
import { createLogger } from '../server/logger.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseServerConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  if ('help' in parsed) {
    process.stdout.write(usage());
    return 0;
  }
  if ('version' in parsed) {
    process.stdout.write(formatVersion());
    return 0;
  }
  const cfg = parsed;
  const logger = createLogger({ level: cfg.logLevel as 'info', output: cfg.logOutputs[0] });
  for (const w of cfg.warnings ?? []) logger.warn({}, w);
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer({ ...cfg, logger, onFatal: () => process.exit(1) });
  } catch (err) {
    logger.fatal({ error: (err as Error).message }, 'failed to start etcd server');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info({ signal: sig }, 'received signal; shutting down');
      running.close().then(resolve, (err: Error) => {
        logger.error({ error: err.message }, 'error while shutting down');
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

process.exitCode = await main();
