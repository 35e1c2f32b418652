// etcdctl API 2's global flags (ctlv2/ctl.go), the ETCDCTL_* variables it reads by hand
// (command/util.go), and the client every command builds from them: endpoints, TLS, basic auth,
// the sync of endpoints from /v2/members unless --no-sync, and the error printer.
import { ClusterError, V2Client, V2KeysError } from '../../client/v2.js';
import { readAllStdin } from '../stdin.js';
import { V2Exit, type V2Context } from './cli/app.js';
import type { V2Flag } from './cli/flags.js';

/** ctlv2/command/error.go. */
export const Exit = {
  success: 0,
  badArgs: 1,
  badConnection: 2,
  badAuth: 3,
  serverError: 4,
  clusterNotHealthy: 5,
} as const;

export const GLOBAL_FLAGS: readonly V2Flag[] = [
  { names: ['debug'], kind: 'bool', usage: 'output cURL commands which can be used to reproduce the request' },
  { names: ['no-sync'], kind: 'bool', usage: "don't synchronize cluster information before sending request" },
  { names: ['output', 'o'], kind: 'string', value: 'simple', usage: 'output response in the given format (`simple`, `extended` or `json`)' },
  { names: ['discovery-srv', 'D'], kind: 'string', usage: 'domain name to query for SRV records describing cluster endpoints' },
  { names: ['insecure-discovery'], kind: 'bool', usage: 'accept insecure SRV records describing cluster endpoints' },
  { names: ['peers', 'C'], kind: 'string', usage: 'DEPRECATED - "--endpoints" should be used instead' },
  { names: ['endpoint'], kind: 'string', usage: 'DEPRECATED - "--endpoints" should be used instead' },
  {
    names: ['endpoints'],
    kind: 'string',
    usage: 'a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")',
  },
  { names: ['cert-file'], kind: 'string', usage: 'identify HTTPS client using this SSL certificate file' },
  { names: ['key-file'], kind: 'string', usage: 'identify HTTPS client using this SSL key file' },
  { names: ['ca-file'], kind: 'string', usage: 'verify certificates of HTTPS-enabled servers using this CA bundle' },
  { names: ['username', 'u'], kind: 'string', usage: 'provide username[:password] and prompt if password is not supplied.' },
  { names: ['timeout'], kind: 'duration', value: '2s', usage: 'connection timeout per request' },
  { names: ['total-timeout'], kind: 'duration', value: '5s', usage: 'timeout for the command execution (except watch)' },
];

const DEFAULT_ENDPOINTS = 'http://127.0.0.1:2379,http://127.0.0.1:4001';

/** A flag's value, else its ETCDCTL_* variable (the order getPeersFlagValue and friends use). */
function flagOrEnv(ctx: V2Context, flag: string, envKey: string): string {
  return ctx.global.string(flag) || (ctx.env[envKey] ?? '');
}

/** --endpoints, ETCDCTL_ENDPOINTS, --endpoint, ETCDCTL_ENDPOINT, --peers, ETCDCTL_PEERS, default. */
export function endpointsOf(ctx: V2Context): string[] {
  const s =
    flagOrEnv(ctx, 'endpoints', 'ETCDCTL_ENDPOINTS') ||
    flagOrEnv(ctx, 'endpoint', 'ETCDCTL_ENDPOINT') ||
    flagOrEnv(ctx, 'peers', 'ETCDCTL_PEERS') ||
    DEFAULT_ENDPOINTS;
  return s.split(',');
}

/** An AbortSignal for --total-timeout (contextWithTotalTimeout). */
export function totalTimeout(ctx: V2Context): AbortSignal {
  const ms = ctx.global.duration('total-timeout');
  return ms > 0 ? AbortSignal.timeout(ms) : new AbortController().signal;
}

/** A signal that never fires: watches run until stopped (context.TODO). */
export function noTimeout(): AbortSignal {
  return new AbortController().signal;
}

/** handleError: `Error:  <err>` (and a ClusterError's detail), then exit with code. */
export function handleError(ctx: V2Context, code: number, err: unknown): never {
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.io.stderr(`Error:  ${e.message}\n`);
  if (e instanceof ClusterError) ctx.io.stderr(`${e.detail()}\n`);
  throw new V2Exit(code);
}

/** Prints a line to stderr and exits 1: the commands' `fmt.Fprintln(os.Stderr, ...); os.Exit(1)`. */
export function die(ctx: V2Context, line: string, code = 1): never {
  ctx.io.stderr(`${line}\n`);
  throw new V2Exit(code);
}

async function credentials(ctx: V2Context): Promise<{ username?: string; password?: string }> {
  const u = flagOrEnv(ctx, 'username', 'ETCDCTL_USERNAME');
  if (u === '') return {};
  const colon = u.indexOf(':');
  if (colon >= 0) return { username: u.slice(0, colon), password: u.slice(colon + 1) };
  ctx.io.stdout('Password: ');
  const password = (await readAllStdin(ctx.io.stdin)).split('\n')[0] ?? '';
  ctx.io.stdout('\n');
  return { username: u, password };
}

/** newClient: the client from the flags, without syncing. */
export async function newClient(ctx: V2Context): Promise<V2Client> {
  if (flagOrEnv(ctx, 'discovery-srv', 'ETCDCTL_DISCOVERY_SRV') !== '') {
    die(ctx, 'tetcdctl: DNS SRV discovery (--discovery-srv) is not supported; use --endpoints');
  }
  const endpoints = endpointsOf(ctx);
  for (const ep of endpoints) {
    // Go's url.Parse refuses "host:port" whose host is not a scheme name (an IP address).
    if (!ep.includes('://') && /^[^/]*:/.test(ep) && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ep)) {
      die(ctx, `parse ${JSON.stringify(ep)}: first path segment in URL cannot contain colon`);
    }
  }
  const debug = ctx.global.bool('debug');
  return new V2Client({
    endpoints,
    headerTimeoutMs: ctx.global.duration('timeout'),
    ...(await credentials(ctx)),
    tls: {
      certFile: flagOrEnv(ctx, 'cert-file', 'ETCDCTL_CERT_FILE') || undefined,
      keyFile: flagOrEnv(ctx, 'key-file', 'ETCDCTL_KEY_FILE') || undefined,
      caFile: flagOrEnv(ctx, 'ca-file', 'ETCDCTL_CA_FILE') || undefined,
    },
    onRequest: debug ? (curl) => ctx.io.stderr(`cURL Command: ${curl}\n`) : undefined,
  });
}

/** mustNewClientNoSync. */
export async function mustNewClientNoSync(ctx: V2Context): Promise<V2Client> {
  const c = await newClient(ctx);
  if (ctx.global.bool('debug')) ctx.io.stderr(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
  return c;
}

/**
 * mustNewClient: unless --no-sync, the endpoints are replaced by the members' client URLs first.
 * A sync that cannot connect anywhere ends the command (exit 2); other sync failures are ignored,
 * as in etcdctl, and the command goes on with the given endpoints.
 */
export async function mustNewClient(ctx: V2Context): Promise<V2Client> {
  const c = await newClient(ctx);
  const debug = ctx.global.bool('debug');
  if (!ctx.global.bool('no-sync')) {
    if (debug) ctx.io.stderr(`start to sync cluster using endpoints(${c.endpoints().join(',')})\n`);
    try {
      await c.sync(totalTimeout(ctx));
    } catch (err) {
      if (err instanceof Error && err.message === 'client: no endpoints available') {
        ctx.io.stderr('etcd cluster has no published client endpoints.\n');
        ctx.io.stderr(`Try '--no-sync' if you want to access non-published client endpoints(${c.endpoints().join(',')}).\n`);
        handleError(ctx, Exit.serverError, err);
      }
      if (err instanceof ClusterError && err.isConnectionError()) handleError(ctx, Exit.badConnection, err);
    }
    if (debug) ctx.io.stderr(`got endpoints(${c.endpoints().join(',')}) after sync\n`);
  }
  if (debug) ctx.io.stderr(`Cluster-Endpoints: ${c.endpoints().join(', ')}\n`);
  return c;
}

/** argOrStdin: the i-th argument, else all of stdin (an empty stdin is no value). */
export async function argOrStdin(ctx: V2Context, i: number): Promise<string | undefined> {
  if (i < ctx.args.length) return ctx.args[i];
  const s = await readAllStdin(ctx.io.stdin);
  return s === '' ? undefined : s;
}

export { V2KeysError };
