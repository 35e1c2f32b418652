// /v2/keys request parsing (etcd: v2http/client.go parseKeyRequest): query and form parameters
// into an etcdserverpb.Request, with etcd's error code and cause for each malformed field.
// Unknown parameters are ignored, as etcd ignores them.
import type { IncomingMessage } from 'node:http';
import type { Request } from '../../proto/etcdserver/etcdserverpb/etcdserver.js';
import {
  EcodeIndexNaN,
  EcodeInvalidField,
  EcodeInvalidForm,
  EcodePrevValueRequired,
  EcodeRefreshTTLRequired,
  EcodeRefreshValue,
  EcodeTTLNaN,
  STORE_KEYS_PREFIX,
  V2Error,
  cleanPath,
} from '../../v2store/index.js';
import { type FormValues, parseGoBool, parseGoUint64, parseQuery } from './go-form.js';
import { readBody } from './http-util.js';

export const KEYS_PREFIX = '/v2/keys';
const NS_PER_S = 1_000_000_000n;

export interface KeyRequest {
  readonly request: Request;
  /** noValueOnSuccess: answer writes with the action only. */
  readonly noValueOnSuccess: boolean;
}

/**
 * Parse a /v2/keys request whose (decoded, clean) path is urlPath. nowNs is the proposer's
 * clock, used to turn `ttl` into an absolute Expiration as etcd's handler does.
 */
export async function parseKeyRequest(req: IncomingMessage, urlPath: string, rawQuery: string, nowNs: bigint): Promise<KeyRequest> {
  const form = await parseForm(req, rawQuery);
  const method = req.method ?? '';
  const p = cleanPath(`${STORE_KEYS_PREFIX}/${urlPath.slice(KEYS_PREFIX.length)}`);

  const prevIndex = uintField(form, 'prevIndex', EcodeIndexNaN);
  const since = uintField(form, 'waitIndex', EcodeIndexNaN);
  const recursive = boolField(form, 'recursive');
  const sorted = boolField(form, 'sorted');
  const wait = boolField(form, 'wait');
  const dir = boolField(form, 'dir');
  const quorum = boolField(form, 'quorum');
  const stream = boolField(form, 'stream');
  if (wait && method !== 'GET') throw new V2Error(EcodeInvalidField, '"wait" can only be used with GET requests');

  const prevValue = first(form, 'prevValue') ?? '';
  if (form.has('prevValue') && prevValue === '') throw new V2Error(EcodePrevValueRequired, '"prevValue" cannot be empty');
  const noValueOnSuccess = boolField(form, 'noValueOnSuccess');

  // ttl is nullable: absent or empty means no TTL.
  let ttl: bigint | undefined;
  if ((first(form, 'ttl') ?? '') !== '') ttl = uintField(form, 'ttl', EcodeTTLNaN);

  let prevExist: boolean | undefined;
  if (form.has('prevExist')) {
    prevExist = parseGoBool(first(form, 'prevExist')!);
    if (prevExist === undefined) throw new V2Error(EcodeInvalidField, 'invalid value for prevExist');
  }

  let refresh: boolean | undefined;
  if (form.has('refresh')) {
    refresh = parseGoBool(first(form, 'refresh')!);
    if (refresh === undefined) throw new V2Error(EcodeInvalidField, 'invalid value for refresh');
    if (refresh) {
      if ((first(form, 'value') ?? '') !== '') throw new V2Error(EcodeRefreshValue, 'A value was provided on a refresh');
      if (ttl === undefined) throw new V2Error(EcodeRefreshTTLRequired, 'No TTL value set');
    }
  }

  const request: Request = {
    Method: method,
    Path: p,
    Val: first(form, 'value') ?? '',
    Dir: dir,
    PrevValue: prevValue,
    PrevIndex: prevIndex,
    PrevExist: prevExist,
    Wait: wait,
    Since: since,
    Recursive: recursive,
    Sorted: sorted,
    Quorum: quorum,
    Stream: stream,
    Refresh: refresh,
    // Go's time.Duration arithmetic wraps at 64 bits; so does this.
    Expiration: ttl === undefined ? 0n : BigInt.asIntN(64, nowNs + BigInt.asIntN(64, ttl * NS_PER_S)),
  };
  return { request, noValueOnSuccess };
}

/** Request.ParseForm: urlencoded body values (POST, PUT, PATCH) first, then the query's. */
async function parseForm(req: IncomingMessage, rawQuery: string): Promise<FormValues> {
  const values: FormValues = new Map();
  let error: string | undefined;
  const method = req.method ?? '';
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && isUrlencoded(req)) {
    const { body, tooLarge } = await readBody(req);
    if (tooLarge) error = 'http: POST too large';
    else error = parseQuery(body.toString('utf8'), values).error;
  }
  const q = parseQuery(rawQuery, values);
  error ??= q.error;
  if (error !== undefined) throw new V2Error(EcodeInvalidForm, error);
  return values;
}

function isUrlencoded(req: IncomingMessage): boolean {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return ct === 'application/x-www-form-urlencoded';
}

function first(form: FormValues, key: string): string | undefined {
  return form.get(key)?.[0];
}

function uintField(form: FormValues, key: string, code: number): bigint {
  const v = first(form, key);
  if (v === undefined) return 0n;
  const n = parseGoUint64(v);
  if (n === undefined) throw new V2Error(code, `invalid value for "${key}"`);
  return n;
}

function boolField(form: FormValues, key: string): boolean {
  const v = first(form, key);
  if (v === undefined) return false;
  const b = parseGoBool(v);
  if (b === undefined) throw new V2Error(EcodeInvalidField, `invalid value for "${key}"`);
  return b;
}
