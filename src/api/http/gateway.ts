// etcd's /v3 JSON gateway (grpc-gateway 1.x as embed/serve.go mounts it): POST a request message
// as JSON, get the response message as JSON; streaming RPCs answer newline-delimited
// `{"result": ...}` objects. It calls the same method implementations as gRPC, in-process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { GATEWAY_ROUTES } from '../../proto/gateway-routes.js';
import { RpcStatusError, toRpcStatus } from '../errors.js';
import type { AnyMethod, CallContext, Service, StreamOut } from '../method.js';
import type { ApiLogger } from '../options.js';
import { parseJsonValues, toGatewayJson } from './json.js';
import { httpRequestAuth, runWithRequestAuth } from '../grpc/auth.js';

/** grpc-gateway's HTTPStatusFromCode. */
const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 408,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 412,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};
const httpStatus = (code: number) => HTTP_STATUS[code] ?? 500;

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Grpc-Metadata-Content-Type': 'application/grpc' };

export interface GatewayOptions {
  /** Largest request body accepted (gRPC's max receive size). */
  maxBodyBytes: number;
  logger: ApiLogger;
}

type Route = { method: AnyMethod } | { unimplemented: string };

export class Gateway {
  private readonly routes = new Map<string, Route>();

  constructor(
    services: Service[],
    private readonly opts: GatewayOptions,
  ) {
    const methods = new Map<string, AnyMethod>();
    for (const s of services) for (const [path, m] of s.methods) methods.set(path, m);
    for (const r of GATEWAY_ROUTES) {
      // grpc-gateway's mux takes the first registered handler of a path (/v3/maintenance/hash is Hash).
      if (this.routes.has(r.path)) continue;
      const method = methods.get(`/${r.pkg}.${r.service}/${r.method}`);
      this.routes.set(r.path, method !== undefined ? { method } : { unimplemented: `unknown service ${r.pkg}.${r.service}` });
    }
  }

  /** Serves a request for `path` under /v3/ (already rewritten from /v3beta/). */
  handle(path: string, req: IncomingMessage, res: ServerResponse): void {
    const route = this.routes.get(path);
    if (route === undefined) return plain(res, 404, 'Not Found');
    if (req.method !== 'POST') return plain(res, 405, 'Method Not Allowed');
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    readBody(req, this.opts.maxBodyBytes).then(
      (body) => runWithRequestAuth(httpRequestAuth(req.headers), () => this.dispatch(route, body, res, { signal: ac.signal })),
      (err) => writeError(res, err, this.opts.logger),
    );
  }

  private dispatch(route: Route, body: string, res: ServerResponse, ctx: CallContext): void {
    if ('unimplemented' in route) return writeError(res, new RpcStatusError(status.UNIMPLEMENTED, route.unimplemented), this.opts.logger);
    const m = route.method;
    let requests: unknown[];
    try {
      requests = parseJsonValues(body).map((v) => m.req.fromJSON(v));
    } catch (err) {
      return writeError(res, new RpcStatusError(status.INVALID_ARGUMENT, err instanceof Error ? err.message : String(err)), this.opts.logger);
    }
    const first = requests[0] ?? m.req.fromJSON({});
    switch (m.kind) {
      case 'unary':
        m.handle(first, ctx).then(
          (resp) => {
            res.writeHead(200, JSON_HEADERS);
            res.end(JSON.stringify(toGatewayJson(m.res, resp)));
          },
          (err) => writeError(res, err, this.opts.logger),
        );
        return;
      case 'serverStream': {
        const out = this.streamOut(m, res);
        m.handle(first, out, ctx).then(
          () => out.end(),
          (err) => out.fail(err),
        );
        return;
      }
      case 'bidi': {
        const out = this.streamOut(m, res);
        const session = m.open(out, ctx);
        res.on('close', () => session.close());
        for (const r of requests) session.message(r);
        session.halfClose();
        return;
      }
    }
  }

  private streamOut(m: AnyMethod, res: ServerResponse): StreamOut<unknown> {
    let done = false;
    const head = () => {
      if (!res.headersSent) res.writeHead(200, JSON_HEADERS);
    };
    return {
      send: (message) =>
        new Promise((resolve) => {
          if (done || res.destroyed) return resolve();
          head();
          res.write(`${JSON.stringify({ result: toGatewayJson(m.res, message) })}\n`, () => resolve());
        }),
      fail: (err) => {
        if (done) return;
        done = true;
        const s = toRpcStatus(err, this.opts.logger);
        const code = httpStatus(s.code);
        if (!res.headersSent) res.writeHead(code, JSON_HEADERS);
        res.end(JSON.stringify({ error: { grpc_code: s.code, http_code: code, message: s.message, http_status: STATUS_TEXT[code] ?? '' } }));
      },
      end: () => {
        if (done) return;
        done = true;
        head();
        res.end();
      },
    };
  }
}

/** Go's http.StatusText for the codes above. */
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function writeError(res: ServerResponse, err: unknown, logger: ApiLogger): void {
  if (res.headersSent || res.destroyed) return;
  const s = toRpcStatus(err, logger);
  res.writeHead(httpStatus(s.code), { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: s.message, message: s.message, code: s.code }));
}

/** A plain-text reply the way Go's http.Error writes it. */
export function plain(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(`${text}\n`);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new RpcStatusError(status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${size} vs. ${limit})`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
