// Writing answers the way etcd's Go handlers do (net/http's http.Error, etcd's HTTPError and
// v2error.WriteTo), so status, headers and bodies match.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { goJsonString, type V2Error } from '../../v2store/index.js';
import { MAX_FORM_BYTES } from './go-form.js';

/** net/http's http.Error: text/plain, nosniff, the text and a newline. */
export function writePlainError(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(`${text}\n`);
}

/** etcd's allowMethod: 405 with an Allow header when the method is not one of `allowed`. */
export function allowMethod(req: IncomingMessage, res: ServerResponse, ...allowed: string[]): boolean {
  if (allowed.includes(req.method ?? '')) return true;
  res.setHeader('Allow', allowed.join(','));
  writePlainError(res, 405, 'Method Not Allowed');
  return false;
}

/** etcd's httptypes.HTTPError: `{"message":"..."}` without a trailing newline. */
export function writeHttpError(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(`{"message":${goJsonString(message)}}`);
}

/** v2error.Error.WriteTo: X-Etcd-Index, the error's status, its JSON and a newline. */
export function writeV2Error(res: ServerResponse, err: V2Error): void {
  res.setHeader('X-Etcd-Index', String(err.index));
  res.setHeader('Content-Type', 'application/json');
  res.statusCode = err.statusCode;
  res.end(`${err.toJSONString()}\n`);
}

/** net/http's 404 for paths no handler serves. */
export function writeNotFound(res: ServerResponse): void {
  writePlainError(res, 404, '404 page not found');
}

/** The request body, at most limit bytes; `tooLarge` when there was more. */
export async function readBody(req: IncomingMessage, limit = MAX_FORM_BYTES): Promise<{ body: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Drain the rest so the connection stays usable, keeping nothing.
      req.resume();
      return { body: Buffer.alloc(0), tooLarge: true };
    }
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), tooLarge: false };
}

/** A member or cluster ID as etcd prints it (types.ID.String(): lower-case hex, no padding). */
export function idString(id: bigint): string {
  return id.toString(16);
}
