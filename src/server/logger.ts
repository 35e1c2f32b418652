// Structured JSON logs in the shape of etcd's zap logger (`level`, `ts`, `caller`, `msg`, fields),
// because operators' scripts and test harnesses grep etcd's milestone messages.
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where logs go: 'stderr' (etcd's default), 'stdout', or a file path. */
  output?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const dest = opts.output === undefined || opts.output === 'stderr' ? 2 : opts.output === 'stdout' ? 1 : opts.output;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest, sync: true }),
  );
}

/** A logger that drops everything: for embedding in tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
