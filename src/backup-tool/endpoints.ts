// Which endpoint to back up from: --endpoints, or the client URLs of the etcd static pod
// manifest (what the guide's `grep https etcd.yaml | cut -d/ -f3` extracts, read as YAML
// instead), then the first endpoint that answers Maintenance.Status.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { parse } from 'yaml';
import { V3Client, errorText } from '../client/v3.js';
import type { StatusResponse } from '../proto/etcdserver/etcdserverpb/rpc.js';

export interface TlsFiles {
  cert?: string;
  key?: string;
  cacert?: string;
}

export class EndpointError extends Error {}

const HEALTH_TIMEOUT_MS = 3000;
const CLIENT_URL_FLAGS = ['--advertise-client-urls', '--listen-client-urls'];
const CLIENT_URL_ENVS = ['ETCD_ADVERTISE_CLIENT_URLS', 'ETCD_LISTEN_CLIENT_URLS'];

interface PodContainer {
  command?: unknown;
  args?: unknown;
  env?: unknown;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** URLs named by a flag in a command line given as argv items or as one shell string. */
function flagUrls(items: string[]): { advertise: string[]; listen: string[] } {
  const words = items.flatMap((s) => s.split(/\s+/)).filter((w) => w !== '');
  const found = { advertise: [] as string[], listen: [] as string[] };
  for (let i = 0; i < words.length; i++) {
    for (const flag of CLIENT_URL_FLAGS) {
      let value: string | undefined;
      if (words[i]!.startsWith(`${flag}=`)) value = words[i]!.slice(flag.length + 1);
      else if (words[i] === flag) value = words[i + 1];
      if (value !== undefined) (flag.includes('advertise') ? found.advertise : found.listen).push(...value.replace(/^["']|["']$/g, '').split(','));
    }
  }
  return found;
}

/**
 * Client endpoints from a static pod manifest (a Pod, or any YAML holding one): advertised
 * client URLs first, then listened ones; a wildcard listen address becomes 127.0.0.1, since the
 * backup runs on the member's host as the guide's procedure does.
 */
export function podManifestEndpoints(yamlText: string): string[] {
  const doc = parse(yamlText) as { spec?: { containers?: PodContainer[]; initContainers?: PodContainer[] } } | null;
  const containers = [...(doc?.spec?.containers ?? []), ...(doc?.spec?.initContainers ?? [])];
  const advertise: string[] = [];
  const listen: string[] = [];
  for (const c of containers) {
    const f = flagUrls([...strings(c.command), ...strings(c.args)]);
    advertise.push(...f.advertise);
    listen.push(...f.listen);
    for (const e of Array.isArray(c.env) ? (c.env as { name?: string; value?: string }[]) : []) {
      if (e.name === CLIENT_URL_ENVS[0] && e.value) advertise.push(...e.value.split(','));
      if (e.name === CLIENT_URL_ENVS[1] && e.value) listen.push(...e.value.split(','));
    }
  }
  const urls = [...advertise, ...listen].map((u) => u.trim()).filter((u) => /^https?:\/\//.test(u));
  const eps = urls.map((u) => {
    const url = new URL(u);
    if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
    return `${url.protocol}//${url.host}`;
  });
  const unique = [...new Set(eps)];
  if (unique.length === 0) throw new EndpointError('the pod manifest names no client URL (--advertise-client-urls/--listen-client-urls)');
  return unique;
}

export function readPodManifest(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EndpointError(`cannot read pod manifest ${path}: ${(err as Error).message}`);
  }
  try {
    return podManifestEndpoints(text);
  } catch (err) {
    throw new EndpointError(`pod manifest ${path}: ${(err as Error).message}`);
  }
}

function readTls(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EndpointError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** gRPC credentials for the TLS flags; insecure when none is given and the endpoint is http. */
export function channelCredentials(tls: TlsFiles, endpoint: string): ChannelCredentials | undefined {
  if (!tls.cacert && !tls.cert && !endpoint.startsWith('https://')) return undefined;
  if (!!tls.cert !== !!tls.key) throw new EndpointError('--cert and --key go together');
  const ca = tls.cacert ? readTls(tls.cacert, '--cacert') : null;
  const key = tls.key ? readTls(tls.key, '--key') : null;
  const cert = tls.cert ? readTls(tls.cert, '--cert') : null;
  return credentials.createSsl(ca, key, cert);
}

export interface HealthyEndpoint {
  endpoint: string;
  client: V3Client;
  status: StatusResponse;
}

/** The first endpoint answering Status within HEALTH_TIMEOUT_MS; the others' failures are reported. */
export async function firstHealthy(endpoints: string[], tls: TlsFiles): Promise<HealthyEndpoint> {
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    const client = new V3Client({ endpoints: [endpoint], credentials: channelCredentials(tls, endpoint), dialTimeoutMs: HEALTH_TIMEOUT_MS, commandTimeoutMs: HEALTH_TIMEOUT_MS });
    try {
      const status = await client.unary('maintenance', 'status', {}, { deadline: new Date(Date.now() + HEALTH_TIMEOUT_MS) });
      if (status.errors.length === 0) return { endpoint, client, status };
      failures.push(`${endpoint}: ${status.errors.join('; ')}`);
    } catch (err) {
      try {
        // grpc-js reports a refused TLS handshake only as a deadline; a plain handshake says why.
        const why = endpoint.startsWith('https://') ? await tlsProblem(endpoint, tls) : undefined;
        failures.push(`${endpoint}: ${errorText(err)}${why ? ` (TLS: ${why})` : ''}`);
      } finally {
        client.close();
      }
      continue;
    }
    client.close();
  }
  throw new EndpointError(`no healthy endpoint: ${failures.join(', ')}`);
}

/** How long a probe waits after the handshake for the server's refusal of our certificate. */
const TLS_ALERT_WAIT_MS = 500;

/**
 * Why a TLS connection to `endpoint` with these files fails, or undefined when it does not:
 * an untrusted server certificate fails the handshake; a client certificate the server refuses
 * (TLS 1.3) arrives as an alert just after it, so the probe waits briefly for one.
 */
export function tlsProblem(endpoint: string, tls: TlsFiles): Promise<string | undefined> {
  const url = new URL(endpoint);
  // URL keeps an IPv6 literal in brackets; tls.connect wants the bare address
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let files: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  try {
    files = { ca: tls.cacert ? readFileSync(tls.cacert) : undefined, cert: tls.cert ? readFileSync(tls.cert) : undefined, key: tls.key ? readFileSync(tls.key) : undefined };
  } catch (err) {
    // the files were read once already; one gone since is the reason, not a crash of the probe
    return Promise.resolve(`cannot read the TLS files: ${(err as Error).message}`);
  }
  return new Promise((resolve) => {
    let done = false;
    let alertTimer: NodeJS.Timeout | undefined;
    const finish = (why: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(alertTimer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => finish(undefined), HEALTH_TIMEOUT_MS);
    const socket = tlsConnect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      ...files,
      ALPNProtocols: ['h2'],
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(certificateText(err)));
    let secured = false;
    socket.on('secureConnect', () => {
      // Ask for nothing; a refusal of our certificate closes the connection (with an alert or
      // without: Node's TLS server just closes).
      secured = true;
      alertTimer = setTimeout(() => finish(undefined), TLS_ALERT_WAIT_MS);
    });
    socket.on('close', () =>
      finish(secured ? 'the server refused the client certificate (it closed the connection right after the handshake)' : 'the server closed the connection during the TLS handshake'),
    );
  });
}

/** Errors of reaching the server at all: no TLS reason to give for those. */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

function certificateText(err: NodeJS.ErrnoException): string | undefined {
  if (err.code && NETWORK_ERRORS.has(err.code)) return undefined;
  const m = err.message;
  if (/alert (bad|unknown|certificate)|certificate required|alert number 4[0-9]/i.test(m)) return `the server refused the client certificate (${m})`;
  if (err.code && /CERT|SELF_SIGNED|SIGNATURE|HOSTNAME|IP/.test(err.code)) return `the server certificate is not trusted: ${m} (${err.code})`;
  return m;
}
