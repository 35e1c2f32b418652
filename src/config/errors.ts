// The error every config failure is reported with, carrying the exit code etcd uses for it:
// 2 for command-line syntax errors (Go's flag package), 1 for everything else.

export const EXIT_USAGE = 2;
export const EXIT_INVALID = 1;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT_INVALID,
  ) {
    super(message);
  }
}

/** A flag value that does not parse; the message is Go's reason (e.g. `parse error`). */
export class ValueError extends Error {
  override readonly name = 'ValueError';
}
