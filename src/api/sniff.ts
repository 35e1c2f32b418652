// cmux's choice, made on the first bytes of a connection: the HTTP/2 client preface means gRPC
// (etcd matches gRPC as "HTTP/2"), anything else is HTTP/1.1. The sniffed bytes are put back
// with unshift so the chosen server reads the connection from its first byte.
import type { Duplex } from 'node:stream';

export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type Protocol = 'http2' | 'http1';

/**
 * Reads until the protocol is known and calls `route` once. A connection that closes or fails
 * before that is destroyed quietly: garbage or a half preface must not disturb the server.
 */
export function sniffProtocol(socket: Duplex, route: (protocol: Protocol) => void): void {
  let seen = Buffer.alloc(0);
  const cleanup = () => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onEnd);
  };
  const onEnd = () => {
    cleanup();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, HTTP2_PREFACE.length);
    const isPrefix = seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
    if (isPrefix && seen.length < HTTP2_PREFACE.length) return; // need more bytes to decide
    cleanup();
    socket.pause();
    socket.unshift(seen);
    route(isPrefix ? 'http2' : 'http1');
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onEnd);
}
