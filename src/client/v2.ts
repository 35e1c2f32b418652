// A typed etcd v2 client (keys, members, auth) with the Go client's request shapes and errors:
// used by tetcdctl's API 2 commands, and by tests that talk v2 to tetcd or etcd.
import { V2HttpClient, type V2ClientOptions, type V2HttpResponse, type V2Request } from './v2/http.js';
import { ClusterError, ERR_INVALID_JSON, V2ClientError, V2KeysError, V2MessageError } from './v2/errors.js';

export { ClusterError, CONTEXT_DEADLINE, V2ClientError, V2KeysError, V2MessageError } from './v2/errors.js';
export { encodeValues, normaliseEndpoint, type V2ClientOptions, type V2Request } from './v2/http.js';

/** A v2 node as the Go client decodes it (unknown fields dropped). */
export interface V2Node {
  key: string;
  dir?: boolean;
  value: string;
  nodes?: V2Node[] | null;
  createdIndex: number;
  modifiedIndex: number;
  expiration?: string;
  ttl?: number;
}

export interface V2Response {
  action: string;
  node: V2Node;
  prevNode?: V2Node | null;
  /** X-Etcd-Index of the answer. */
  index: number;
  clusterId: string;
}

export interface V2Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface V2Role {
  role: string;
  permissions: { kv: { read: string[] | null; write: string[] | null } };
}

export interface V2User {
  user: string;
  roles: string[];
}

export interface GetOptions {
  recursive?: boolean;
  sorted?: boolean;
  quorum?: boolean;
}

export interface SetOptions {
  prevValue?: string;
  prevIndex?: number;
  /** 'true' | 'false', or undefined to ignore existence. */
  prevExist?: 'true' | 'false';
  ttlSeconds?: number;
  dir?: boolean;
}

export interface DeleteOptions {
  prevValue?: string;
  prevIndex?: number;
  dir?: boolean;
  recursive?: boolean;
}

export type Permission = 'read' | 'write' | 'readwrite';

const KEYS_PREFIX = '/v2/keys';

/** The Go client's key path: a leading '/', then path.Clean-like canonicalisation. */
function keyPath(key: string): string {
  const k = key !== '' && !key.startsWith('/') ? `/${key}` : key;
  return canonicalPath(KEYS_PREFIX + k);
}

/** pkg/pathutil.CanonicalURLPath: clean '//', '.', '..', keep a trailing slash. */
export function canonicalPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const seg of rooted.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let np = `/${out.join('/')}`;
  if (rooted.endsWith('/') && np !== '/') np += '/';
  return np;
}

function decodeNode(raw: unknown): V2Node | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const n = raw as Record<string, unknown>;
  return {
    key: String(n.key ?? ''),
    dir: n.dir === true ? true : undefined,
    value: typeof n.value === 'string' ? n.value : '',
    nodes: Array.isArray(n.nodes) ? n.nodes.map((c) => decodeNode(c)!).filter(Boolean) : null,
    createdIndex: Number(n.createdIndex ?? 0),
    modifiedIndex: Number(n.modifiedIndex ?? 0),
    expiration: typeof n.expiration === 'string' ? n.expiration : undefined,
    ttl: typeof n.ttl === 'number' && n.ttl !== 0 ? n.ttl : undefined,
  };
}

/** client/keys.go unmarshalHTTPResponse: 200/201 decode a response, anything else an error body. */
function keysResponse(r: V2HttpResponse): V2Response {
  if (r.status === 200 || r.status === 201) {
    if (r.body.length === 0) throw new V2ClientError('client: response body is empty');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(r.body.toString()) as Record<string, unknown>;
    } catch {
      throw new V2ClientError(ERR_INVALID_JSON);
    }
    const header = r.headers['x-etcd-index'];
    return {
      action: String(body.action ?? ''),
      node: decodeNode(body.node) ?? { key: '', value: '', nodes: null, createdIndex: 0, modifiedIndex: 0 },
      prevNode: decodeNode(body.prevNode) ?? null,
      index: header === undefined ? 0 : Number(header),
      clusterId: String(r.headers['x-etcd-cluster-id'] ?? ''),
    };
  }
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(r.body.toString()) as Record<string, unknown>;
  } catch {
    throw new V2ClientError(ERR_INVALID_JSON);
  }
  throw new V2KeysError(Number(e.errorCode ?? 0), String(e.message ?? ''), String(e.cause ?? ''), Number(e.index ?? 0));
}

function expectStatus(r: V2HttpResponse, ...want: number[]): void {
  if (!want.includes(r.status)) throw new V2ClientError(`unexpected status code ${r.status}`);
}

/** Members/auth error bodies are {"message": ...}; a body that is not JSON is Go's decode error. */
function messageError(r: V2HttpResponse): Error {
  try {
    const e = JSON.parse(r.body.toString()) as { message?: unknown };
    return new V2MessageError(typeof e.message === 'string' ? e.message : '');
  } catch {
    return new V2ClientError(`invalid character '${r.body.toString().charAt(0)}' looking for beginning of value`);
  }
}

function json<T>(r: V2HttpResponse): T {
  return JSON.parse(r.body.toString()) as T;
}

export interface V2Watcher {
  /** The next event after the last one seen; empty long-poll answers are retried. */
  next(signal: AbortSignal): Promise<V2Response>;
}

export class V2Client {
  readonly http: V2HttpClient;

  constructor(opts: V2ClientOptions) {
    this.http = new V2HttpClient(opts);
  }

  endpoints(): readonly string[] {
    return this.http.currentEndpoints();
  }

  /** The Go client's Sync: endpoints become the members' client URLs. */
  async sync(signal: AbortSignal): Promise<void> {
    const members = await this.memberList(signal);
    const eps = members.flatMap((m) => m.clientURLs);
    if (eps.length === 0) throw new V2ClientError('client: no endpoints available');
    this.http.setEndpoints(eps);
  }

  // --- keys ---

  async get(key: string, opts: GetOptions, signal: AbortSignal): Promise<V2Response> {
    const query: [string, string][] = [
      ['recursive', String(opts.recursive ?? false)],
      ['sorted', String(opts.sorted ?? false)],
      ['quorum', String(opts.quorum ?? false)],
    ];
    return keysResponse(await this.http.do({ method: 'GET', path: keyPath(key), query }, signal));
  }

  async set(key: string, value: string, opts: SetOptions, signal: AbortSignal): Promise<V2Response> {
    const query: [string, string][] = [];
    const form: [string, string][] = [];
    if (opts.dir) query.push(['dir', 'true']);
    else {
      if (opts.prevValue) query.push(['prevValue', opts.prevValue]);
      form.push(['value', value]);
    }
    if (opts.prevIndex) query.push(['prevIndex', String(opts.prevIndex)]);
    if (opts.prevExist !== undefined) query.push(['prevExist', opts.prevExist]);
    if (opts.ttlSeconds && opts.ttlSeconds > 0) form.push(['ttl', String(opts.ttlSeconds)]);
    const r = await this.http.do({ method: 'PUT', path: keyPath(key), query, form }, signal, opts.prevExist === 'false');
    return keysResponse(r);
  }

  async createInOrder(dir: string, value: string, ttlSeconds: number, signal: AbortSignal): Promise<V2Response> {
    const form: [string, string][] = [['value', value]];
    if (ttlSeconds > 0) form.push(['ttl', String(ttlSeconds)]);
    return keysResponse(await this.http.do({ method: 'POST', path: keyPath(dir), form }, signal));
  }

  async delete(key: string, opts: DeleteOptions, signal: AbortSignal): Promise<V2Response> {
    const query: [string, string][] = [];
    if (opts.prevValue) query.push(['prevValue', opts.prevValue]);
    if (opts.prevIndex) query.push(['prevIndex', String(opts.prevIndex)]);
    if (opts.dir) query.push(['dir', 'true']);
    if (opts.recursive) query.push(['recursive', 'true']);
    return keysResponse(await this.http.do({ method: 'DELETE', path: keyPath(key), query }, signal, true));
  }

  watcher(key: string, opts: { afterIndex?: number; recursive?: boolean }): V2Watcher {
    let waitIndex = opts.afterIndex && opts.afterIndex > 0 ? opts.afterIndex + 1 : 0;
    const path = keyPath(key);
    return {
      next: async (signal) => {
        for (;;) {
          const query: [string, string][] = [
            ['wait', 'true'],
            ['waitIndex', String(waitIndex)],
            ['recursive', String(opts.recursive ?? false)],
          ];
          const r = await this.http.do({ method: 'GET', path, query, wait: true }, signal);
          if ((r.status === 200 || r.status === 201) && r.body.length === 0) continue;
          const resp = keysResponse(r);
          waitIndex = resp.node.modifiedIndex + 1;
          return resp;
        }
      },
    };
  }

  // --- members ---

  async memberList(signal: AbortSignal): Promise<V2Member[]> {
    const r = await this.http.do({ method: 'GET', path: '/v2/members' }, signal);
    expectStatus(r, 200);
    return (json<{ members: V2Member[] | null }>(r).members ?? []).map(normaliseMember);
  }

  async memberLeader(signal: AbortSignal): Promise<V2Member> {
    const r = await this.http.do({ method: 'GET', path: '/v2/members/leader' }, signal);
    expectStatus(r, 200);
    return normaliseMember(json<V2Member>(r));
  }

  async memberAdd(peerURL: string, signal: AbortSignal): Promise<V2Member> {
    const r = await this.http.do({ method: 'POST', path: '/v2/members', json: { peerURLs: [peerURL] } }, signal);
    expectStatus(r, 201, 409);
    if (r.status !== 201) throw messageError(r);
    return normaliseMember(json<V2Member>(r));
  }

  async memberUpdate(id: string, peerURLs: string[], signal: AbortSignal): Promise<void> {
    const r = await this.http.do({ method: 'PUT', path: canonicalPath(`/v2/members/${id}`), json: { peerURLs } }, signal);
    expectStatus(r, 204, 404, 409);
    if (r.status !== 204) throw messageError(r);
  }

  async memberRemove(id: string, signal: AbortSignal): Promise<void> {
    const r = await this.http.do({ method: 'DELETE', path: canonicalPath(`/v2/members/${id}`) }, signal);
    expectStatus(r, 204, 410);
  }

  // --- auth ---

  async authEnable(enable: boolean, signal: AbortSignal): Promise<void> {
    const r = await this.http.do({ method: enable ? 'PUT' : 'DELETE', path: '/v2/auth/enable' }, signal);
    if (r.status !== 200 && r.status !== 201) throw messageError(r);
  }

  async userList(signal: AbortSignal): Promise<string[]> {
    const r = await this.http.do({ method: 'GET', path: '/v2/auth/users' }, signal);
    if (r.status !== 200) throw messageError(r);
    return (json<{ users: { user: string }[] | null }>(r).users ?? []).map((u) => u.user);
  }

  async userAdd(user: string, password: string, signal: AbortSignal): Promise<void> {
    const body = { user, password: password === '' ? undefined : password, roles: null };
    const r = await this.http.do({ method: 'PUT', path: authPath('users', user), json: body }, signal);
    if (r.status !== 200 && r.status !== 201) throw messageError(r);
  }

  async userRemove(user: string, signal: AbortSignal): Promise<void> {
    const r = await this.http.do({ method: 'DELETE', path: authPath('users', user) }, signal);
    if (r.status !== 200 && r.status !== 201) throw messageError(r);
  }

  userGet(user: string, signal: AbortSignal): Promise<V2User> {
    return this.modUser({ method: 'GET', path: authPath('users', user) }, signal);
  }

  userChange(user: string, change: { password?: string; grant?: string[]; revoke?: string[] }, signal: AbortSignal): Promise<V2User> {
    const body = { user, password: change.password || undefined, roles: null, grant: change.grant, revoke: change.revoke };
    return this.modUser({ method: 'PUT', path: authPath('users', user), json: body }, signal);
  }

  private async modUser(req: V2Request, signal: AbortSignal): Promise<V2User> {
    const r = await this.http.do(req, signal);
    if (r.status !== 200) throw messageError(r);
    const u = json<{ user?: string; roles?: (string | { role: string })[] | null }>(r);
    const roles = u.roles ?? [];
    if (roles.every((x) => typeof x === 'string')) return { user: u.user ?? '', roles: roles as string[] };
    // etcd answers role objects; the Go client's first decode into []string leaves one "" per
    // element before its fallback appends the names, and etcdctl prints that list as it is.
    const names = roles.map((x) => (typeof x === 'string' ? x : x.role));
    return { user: u.user ?? '', roles: [...roles.map(() => ''), ...names] };
  }

  async roleList(signal: AbortSignal): Promise<string[]> {
    const r = await this.http.do({ method: 'GET', path: '/v2/auth/roles' }, signal);
    expectStatus(r, 200);
    return (json<{ roles: { role: string }[] | null }>(r).roles ?? []).map((x) => x.role);
  }

  async roleAdd(role: string, signal: AbortSignal): Promise<void> {
    const body = { role, permissions: { kv: { read: null, write: null } } };
    const r = await this.http.do({ method: 'PUT', path: authPath('roles', role), json: body }, signal);
    if (r.status !== 200 && r.status !== 201) throw messageError(r);
  }

  async roleRemove(role: string, signal: AbortSignal): Promise<void> {
    const r = await this.http.do({ method: 'DELETE', path: authPath('roles', role) }, signal);
    if (r.status !== 200 && r.status !== 201) throw messageError(r);
  }

  roleGet(role: string, signal: AbortSignal): Promise<V2Role> {
    return this.modRole({ method: 'GET', path: authPath('roles', role) }, signal);
  }

  /** Grants or revokes key-path permissions (client/auth_role.go GrantRoleKV/RevokeRoleKV). */
  roleChange(role: string, grant: boolean, paths: string[], perm: Permission, signal: AbortSignal): Promise<V2Role> {
    const kv = { read: perm === 'write' ? null : paths, write: perm === 'read' ? null : paths };
    const body = { role, permissions: { kv: { read: null, write: null } }, [grant ? 'grant' : 'revoke']: { kv } };
    return this.modRole({ method: 'PUT', path: authPath('roles', role), json: body }, signal);
  }

  private async modRole(req: V2Request, signal: AbortSignal): Promise<V2Role> {
    const r = await this.http.do(req, signal);
    if (r.status !== 200) throw messageError(r);
    const x = json<Partial<V2Role>>(r);
    return {
      role: x.role ?? '',
      permissions: { kv: { read: x.permissions?.kv?.read ?? null, write: x.permissions?.kv?.write ?? null } },
    };
  }
}

function authPath(kind: 'users' | 'roles', name: string): string {
  return canonicalPath(`/v2/auth/${kind}/${name}`);
}

function normaliseMember(m: Partial<V2Member>): V2Member {
  return { id: m.id ?? '', name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [] };
}

