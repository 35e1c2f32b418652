// etcdctl's global flags (ctlv3/ctl.go), their ETCDCTL_* environment fallbacks (pkg/flags
// SetPflagsFromEnv) and the client and printer they configure (command/global.go).
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { V3Client, errorText } from '../client/v3.js';
import { CtlError, ExitCode, type RunContext } from './cli/command.js';
import { formatGoDuration } from './cli/duration.js';
import type { FlagSpec } from './cli/flags.js';
import { newPrinter, type Printer } from './printer/index.js';

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'endpoints', kind: 'stringSlice', def: ['127.0.0.1:2379'], usage: 'gRPC endpoints' },
  { name: 'debug', kind: 'bool', usage: 'enable client-side debug logging' },
  { name: 'write-out', short: 'w', kind: 'string', def: 'simple', usage: 'set the output format (fields, json, protobuf, simple, table)' },
  { name: 'hex', kind: 'bool', usage: 'print byte strings as hex encoded strings' },
  { name: 'dial-timeout', kind: 'duration', def: '2s', usage: 'dial timeout for client connections' },
  { name: 'command-timeout', kind: 'duration', def: '5s', usage: 'timeout for short running command (excluding dial timeout)' },
  { name: 'keepalive-time', kind: 'duration', def: '2s', usage: 'keepalive time for client connections' },
  { name: 'keepalive-timeout', kind: 'duration', def: '6s', usage: 'keepalive timeout for client connections' },
  { name: 'insecure-transport', kind: 'bool', def: true, usage: 'disable transport security for client connections' },
  { name: 'insecure-discovery', kind: 'bool', def: true, usage: 'accept insecure SRV records describing cluster endpoints' },
  { name: 'insecure-skip-tls-verify', kind: 'bool', usage: 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)' },
  { name: 'cert', kind: 'string', usage: 'identify secure client using this TLS certificate file' },
  { name: 'key', kind: 'string', usage: 'identify secure client using this TLS key file' },
  { name: 'cacert', kind: 'string', usage: 'verify certificates of TLS-enabled secure servers using this CA bundle' },
  { name: 'user', kind: 'string', usage: 'username[:password] for authentication (prompt if password is not supplied)' },
  { name: 'password', kind: 'string', usage: "password for authentication (if this option is used, --user option shouldn't include password)" },
  { name: 'discovery-srv', short: 'd', kind: 'string', usage: 'domain name to query for SRV records describing cluster endpoints' },
  { name: 'discovery-srv-name', kind: 'string', usage: 'service name to query when using DNS discovery' },
];

export function envKey(flag: string): string {
  return `ETCDCTL_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** capnslog's line prefix: "2006-01-02 15:04:05.000000 L | pkg: ". */
function capnslog(level: string, msg: string): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
  return `${ts} ${level} | pkg/flags: ${msg}\n`;
}

/**
 * Applies ETCDCTL_* to the inherited flags not set on the command line, as etcdctl does when a
 * command builds its client: bad values are ignored, a variable shadowed by its flag is fatal,
 * unknown ETCDCTL_ variables draw a warning.
 */
export function applyEnv(ctx: RunContext): void {
  const used = new Set<string>();
  const shadowed = new Set<string>();
  for (const spec of ctx.inherited) {
    const key = envKey(spec.name);
    if (ctx.flags.isChanged(spec.name)) {
      shadowed.add(key);
      continue;
    }
    const val = ctx.env[key];
    if (val === undefined || val === '') continue;
    used.add(key);
    try {
      ctx.flags.set(spec, val, `--${spec.name}`);
    } catch {
      // etcdctl ignores SetPflagsFromEnv's error
    }
  }
  const extra = ctx.cmd.name === 'watch' ? ['ETCDCTL_WATCH_KEY', 'ETCDCTL_WATCH_RANGE_END'] : [];
  for (const [k, v] of Object.entries(ctx.env)) {
    if (used.has(k) || extra.includes(k)) continue;
    if (shadowed.has(k)) {
      ctx.io.stderr(
        capnslog('C', `conflicting environment variable ${JSON.stringify(k)} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`),
      );
      throw new CtlError('', ExitCode.error, true);
    }
    if (k.startsWith('ETCDCTL_') && k !== 'ETCDCTL_API') ctx.io.stderr(capnslog('W', `unrecognized environment variable ${k}=${v}`));
  }
}

export function printerFor(ctx: RunContext): Printer {
  const p = newPrinter(ctx.flags.str('write-out'), ctx.flags.bool('hex'), { out: (s) => ctx.io.stdout(s), err: (s) => ctx.io.stderr(s) });
  if (!p) throw new CtlError('unsupported output format', ExitCode.badFeature);
  return p;
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CtlError((err as Error).message, ExitCode.badArgs);
  }
}

function tlsCredentials(ctx: RunContext, endpoints: string[]): ChannelCredentials | undefined {
  const f = ctx.flags;
  for (const name of ['cert', 'key', 'cacert']) {
    if (f.str(name) === '' && f.isChanged(name)) throw new CtlError(`empty string is passed to --${name} option`, ExitCode.badArgs);
  }
  const cert = f.str('cert');
  const key = f.str('key');
  const cacert = f.str('cacert');
  const wantsTls = cert !== '' || key !== '' || cacert !== '' || !f.bool('insecure-transport') || endpoints.some((e) => e.startsWith('https://'));
  if (!wantsTls) return undefined;
  if ((cert === '') !== (key === '')) throw new CtlError(cert === '' ? 'KeyFile and CertFile must both be present[key: ' + key + ', cert: ]' : `KeyFile and CertFile must both be present[key: , cert: ${cert}]`, ExitCode.badArgs);
  const skip = f.bool('insecure-skip-tls-verify');
  return credentials.createSsl(cacert ? readFile(cacert) : null, key ? readFile(key) : null, cert ? readFile(cert) : null, skip ? { rejectUnauthorized: false } : {});
}

function authOptions(ctx: RunContext): { username?: string; password?: string } {
  const user = ctx.flags.str('user');
  const password = ctx.flags.str('password');
  if (user === '') return {};
  if (password !== '') return { username: user, password };
  const i = user.indexOf(':');
  if (i < 0) throw new CtlError('password is required: use --user name:password or --password (no interactive prompt)', ExitCode.error);
  return { username: user.slice(0, i), password: user.slice(i + 1) };
}

export function endpointsOf(ctx: RunContext): string[] {
  return ctx.flags.list('endpoints').map((e) => e.trim());
}

/** The client a command uses (clientConfigFromCmd + mustClient): env applied, --debug dump, dialled. */
export async function clientFor(ctx: RunContext): Promise<V3Client> {
  applyEnv(ctx);
  if (ctx.flags.bool('debug')) {
    for (const spec of [...ctx.inherited].sort((a, b) => (a.name < b.name ? -1 : 1))) ctx.io.stderr(`${envKey(spec.name)}=${debugValue(ctx, spec)}\n`);
  }
  printerFor(ctx);
  return endpointClient(ctx, endpointsOf(ctx));
}

/** A client for given endpoints with the command's TLS, auth and timeouts (env already applied). */
export async function endpointClient(ctx: RunContext, eps: string[], withAuth = true): Promise<V3Client> {
  const client = new V3Client({
    endpoints: eps,
    dialTimeoutMs: ctx.flags.ms('dial-timeout'),
    commandTimeoutMs: ctx.flags.ms('command-timeout'),
    keepaliveTimeMs: ctx.flags.ms('keepalive-time'),
    keepaliveTimeoutMs: ctx.flags.ms('keepalive-timeout'),
    credentials: tlsCredentials(ctx, eps),
    ...(withAuth ? authOptions(ctx) : {}),
    warn: (line) => ctx.io.stderr(line),
  });
  try {
    await client.dial();
  } catch (err) {
    client.close();
    throw new CtlError(errorText(err), ExitCode.badConnection);
  }
  return client;
}

function debugValue(ctx: RunContext, spec: FlagSpec): string {
  switch (spec.kind) {
    case 'duration':
      return formatGoDuration(ctx.flags.ms(spec.name));
    case 'stringSlice':
    case 'stringArray':
      return `[${ctx.flags.list(spec.name).join(',')}]`;
    case 'bool':
      return String(ctx.flags.bool(spec.name));
    case 'int':
    case 'uint':
      return String(ctx.flags.big(spec.name));
    default:
      return ctx.flags.str(spec.name);
  }
}

/** Runs a call and turns a failure into etcdctl's `Error: <text>` (exit 1). */
export async function must<T>(p: Promise<T>, code: number = ExitCode.error): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CtlError) throw err;
    throw new CtlError(errorText(err), code);
  }
}

/** The deadline for one short command (--command-timeout). */
export function commandDeadline(ctx: RunContext): Date {
  return new Date(Date.now() + ctx.flags.ms('command-timeout'));
}
