// The v2 error codes, messages and HTTP statuses (etcd: etcdserver/api/v2error). This is the one
// table v2 errors come from: the store and the HTTP handler never build message strings.

export const EcodeKeyNotFound = 100;
export const EcodeTestFailed = 101;
export const EcodeNotFile = 102;
export const EcodeNotDir = 104;
export const EcodeNodeExist = 105;
export const EcodeRootROnly = 107;
export const EcodeDirNotEmpty = 108;
export const EcodeUnauthorized = 110;
export const EcodePrevValueRequired = 201;
export const EcodeTTLNaN = 202;
export const EcodeIndexNaN = 203;
export const EcodeInvalidField = 209;
export const EcodeInvalidForm = 210;
export const EcodeRefreshValue = 211;
export const EcodeRefreshTTLRequired = 212;
export const EcodeRaftInternal = 300;
export const EcodeLeaderElect = 301;
export const EcodeWatcherCleared = 400;
export const EcodeEventIndexCleared = 401;

/** etcd's message for every code it defines, including the ones only old releases produced. */
const MESSAGES: ReadonlyMap<number, string> = new Map([
  [100, 'Key not found'],
  [101, 'Compare failed'],
  [102, 'Not a file'],
  [103, 'Reached the max number of peers in the cluster'],
  [104, 'Not a directory'],
  [105, 'Key already exists'],
  [106, 'The prefix of given key is a keyword in etcd'],
  [107, 'Root is read only'],
  [108, 'Directory not empty'],
  [109, 'Peer address has existed'],
  [110, 'The request requires user authentication'],
  [200, 'Value is Required in POST form'],
  [201, 'PrevValue is Required in POST form'],
  [202, 'The given TTL in POST form is not a number'],
  [203, 'The given index in POST form is not a number'],
  [204, 'Value or TTL is required in POST form'],
  [205, 'The given timeout in POST form is not a number'],
  [206, 'Name is required in POST form'],
  [207, 'Index or value is required'],
  [208, 'Index and value cannot both be specified'],
  [209, 'Invalid field'],
  [210, 'Invalid POST form'],
  [211, 'Value provided on refresh'],
  [212, 'A TTL must be provided on refresh'],
  [300, 'Raft Internal Error'],
  [301, 'During Leader Election'],
  [400, 'watcher is cleared due to etcd recovery'],
  [401, 'The event in requested index is outdated and cleared'],
  [402, 'Standby Internal Error'],
  [403, 'Invalid active size'],
  [404, 'Standby remove delay'],
  [500, 'Client Internal Error'],
]);

/** Codes answered with something other than 400 Bad Request. */
const STATUSES: ReadonlyMap<number, number> = new Map([
  [EcodeKeyNotFound, 404],
  [EcodeNotFile, 403],
  [EcodeDirNotEmpty, 403],
  [EcodeUnauthorized, 401],
  [EcodeTestFailed, 412],
  [EcodeNodeExist, 412],
  [EcodeRaftInternal, 500],
  [EcodeLeaderElect, 500],
]);

/** A v2 error as etcd returns it: `{"errorCode":100,"message":"Key not found","cause":"/foo","index":7}`. */
export class V2Error extends Error {
  readonly errorCode: number;
  /** Empty means absent: etcd omits an empty cause from the JSON. */
  override cause: string;
  /** The store index when the error happened (0 for request-parsing errors). */
  index: number;

  constructor(errorCode: number, cause = '', index = 0) {
    const message = MESSAGES.get(errorCode) ?? '';
    super(message);
    this.name = 'V2Error';
    this.errorCode = errorCode;
    this.cause = cause;
    this.index = index;
  }

  /** The HTTP status etcd answers this error with. */
  get statusCode(): number {
    return STATUSES.get(this.errorCode) ?? 400;
  }

  /** Go's json.Marshal of v2error.Error, field order and omitempty included. */
  toJSONString(): string {
    const cause = this.cause === '' ? '' : `,"cause":${goJsonString(this.cause)}`;
    return `{"errorCode":${this.errorCode},"message":${goJsonString(this.message)}${cause},"index":${this.index}}`;
  }
}

export function isV2Error(x: unknown): x is V2Error {
  return x instanceof V2Error;
}

/**
 * A string encoded as Go's encoding/json does: like JSON.stringify, but \b and \f as \u0008 and
 * \u000c, and <, >, &, U+2028, U+2029 escaped (Go's HTML-safe default), so bodies compare byte for byte.
 */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/\\[bf]|\\\\|[<>&\u2028\u2029]/g, (m) => {
    if (m === '\\b') return '\\u0008';
    if (m === '\\f') return '\\u000c';
    if (m === '\\\\') return m;
    return `\\u${m.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
