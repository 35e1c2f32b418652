// URL lists as etcd's pkg/types.NewURLs reads them, with Go net/url's view of a URL: etcd's
// checks (no path, "host:port" form, bind addresses must be IPs) are about the text the user
// wrote, which WHATWG `URL` normalises away (it adds a `/` path and drops default ports), so
// the checks run on the text and `URL` objects are made only at the end.
import { isIP } from 'node:net';
import { ValueError } from './errors.js';

/** One URL as Go's url.Parse sees it. */
export interface GoUrl {
  readonly scheme: string;
  /** Go's `u.Host`: host and port, IPv6 in brackets. */
  readonly host: string;
  /** Go's `u.String()`. */
  readonly text: string;
}

const SCHEMES = new Set(['http', 'https', 'unix', 'unixs']);

/** etcd's types.NewURLs: comma-separated URLs, each trimmed and checked, sorted by their text. */
export function parseUrlList(s: string): GoUrl[] {
  const urls = s.split(',').map(parseOneUrl);
  return urls.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

function parseOneUrl(raw: string): GoUrl {
  const input = raw.trim();
  const u = goUrlParse(input);
  if (!SCHEMES.has(u.scheme)) throw new ValueError(`URL scheme must be http, https, unix, or unixs: ${input}`);
  if (splitHostPort(u.host) === undefined) throw new ValueError(`URL address does not have the form "host:port": ${input}`);
  if (u.path !== '') throw new ValueError(`URL must not contain a path: ${input}`);
  return { scheme: u.scheme, host: u.host, text: u.text };
}

/** The parts of Go's url.Parse that etcd's checks look at, with its error texts. */
function goUrlParse(s: string): { scheme: string; host: string; path: string; text: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(s);
  if (!m) {
    if (s.startsWith(':')) throw new ValueError(`parse "${s}": missing protocol scheme`);
    const firstSegment = s.split('/')[0] ?? '';
    if (firstSegment.includes(':')) throw new ValueError(`parse "${s}": first path segment in URL cannot contain colon`);
    return { scheme: '', host: '', path: s, text: s };
  }
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  const fragmentAt = rest.indexOf('#');
  if (fragmentAt >= 0) rest = rest.slice(0, fragmentAt);
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  if (!rest.startsWith('//')) return { scheme, host: '', path: rest, text: `${scheme}:${m[2]}` };
  const authorityEnd = rest.indexOf('/', 2);
  const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd);
  const path = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const portAt = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  if (portAt > 0 && !/^:[0-9]*$/.test(host.slice(portAt))) {
    throw new ValueError(`parse "${s}": invalid port "${host.slice(portAt)}" after host`);
  }
  return { scheme, host, path, text: `${scheme}:${m[2]}` };
}

/** Go's net.SplitHostPort, returning undefined where Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0 || hostport[end + 1] !== ':' || hostport.slice(end + 2).includes(':')) return undefined;
    return { host: hostport.slice(1, end), port: hostport.slice(end + 2) };
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0 || hostport.indexOf(':') !== colon) return undefined;
  return { host: hostport.slice(0, colon), port: hostport.slice(colon + 1) };
}

/** embed.checkBindURLs: listen URLs must name an IP (or `localhost`); unix sockets are exempt. */
export function checkBindUrls(urls: readonly GoUrl[]): void {
  for (const u of urls) {
    if (u.scheme === 'unix' || u.scheme === 'unixs') continue;
    const hp = splitHostPort(u.host);
    if (!hp) throw new ValueError(`address ${u.host}: missing port in address`);
    if (hp.host === 'localhost') continue;
    if (isIP(hp.host) === 0) throw new ValueError(`expected IP in URL for binding (${u.text})`);
  }
}

/** embed.checkHostURLs: advertised URLs need a non-empty host. */
export function checkHostUrls(urls: readonly GoUrl[]): void {
  for (const u of urls) {
    const hp = splitHostPort(u.host);
    if (!hp) throw new ValueError(`address ${u.host}: missing port in address`);
    if (hp.host === '') throw new ValueError(`unexpected empty host (${u.text})`);
  }
}

/**
 * The WHATWG URL of a checked Go URL. Note that `URL` reports a scheme's default port
 * (80 for http, 443 for https) as `port === ''`.
 */
export function toUrl(u: GoUrl): URL {
  try {
    return new URL(u.text);
  } catch {
    throw new ValueError(`parse "${u.text}": invalid URL`);
  }
}

/**
 * etcd's types.NewURLsMap (the `--initial-cluster` syntax): `name=url` pairs separated by
 * commas; a name may repeat to give a member several URLs. Members keep the order in which
 * they first appear; each member's URLs are sorted, as etcd sorts them.
 */
export function parseUrlsMap(s: string): Map<string, GoUrl[]> {
  const raw = new Map<string, string[]>();
  for (const pair of s.split(',')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    raw.set(name, [...(raw.get(name) ?? []), value]);
  }
  const out = new Map<string, GoUrl[]>();
  for (const [name, urls] of raw) out.set(name, parseUrlList(urls.join(',')));
  return out;
}
