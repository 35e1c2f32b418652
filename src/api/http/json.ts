// grpc-gateway 1.x's JSON (jsonpb with OrigName): field names exactly as in the .proto, int64
// as strings, bytes as base64, enums by name, default values left out. ts-proto's toJSON does
// all of that except the names, which it turns to lowerCamelCase; `toGatewayJson` walks the
// message beside its toJSON output and puts the proto names back.
import type { MessageType } from '../method.js';

/** protoc's json_name: underscores dropped, the letter after each one upper-cased. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/_/g, '');
}

export function toGatewayJson<T>(type: MessageType<T>, message: T): unknown {
  return restoreNames(type.toJSON(message), message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array);
}

function restoreNames(json: unknown, message: unknown): unknown {
  if (Array.isArray(json) && Array.isArray(message)) return json.map((j, i) => restoreNames(j, message[i]));
  if (!isPlainObject(json) || !isPlainObject(message)) return json;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message)) {
    // A oneof (ts-proto's unions-value): its member is named by $case.
    if (isPlainObject(value) && typeof value['$case'] === 'string') {
      const member = value['$case'];
      const j = json[jsonName(member)];
      if (j !== undefined) out[member] = restoreNames(j, value['value']);
      continue;
    }
    const j = json[jsonName(name)];
    if (j !== undefined) out[name] = restoreNames(j, value);
  }
  return out;
}

/**
 * The JSON values of a request body, in order: Go's json.Decoder reads concatenated values
 * (`{...}{...}`), which the gateway turns into one stream message each.
 */
export function parseJsonValues(body: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i]!)) i++;
    if (i >= body.length) break;
    const end = valueEnd(body, i);
    values.push(JSON.parse(body.slice(i, end)));
    i = end;
  }
  return values;
}

/** Index after the JSON value starting at `start` (objects and arrays by bracket depth). */
function valueEnd(s: string, start: number): number {
  const open = s[start];
  if (open !== '{' && open !== '[') {
    const m = /^("(?:[^"\\]|\\.)*"|[^\s{}[\]"]+)/.exec(s.slice(start));
    if (m === null) throw new SyntaxError(`invalid character '${open}' looking for beginning of value`);
    return start + m[0].length;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new SyntaxError('unexpected EOF');
}
