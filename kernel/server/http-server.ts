/**
 * The node HTTP server under both paths (the call fast path and fastify): how long a client may
 * take to send a request, how long an idle connection stays, and how many connections one address
 * may hold. Without these a client trickling a body a byte at a time held its connection forever,
 * whatever the route and whether or not it was authenticated.
 */
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { verdictEnvelope, type SluiceError } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';

export interface ConnectionLimits {
  /** Headers must arrive within this (node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this, or the connection gets 408 and closes. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection closes after this. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; 0: no cap. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Longer than a load balancer's usual 60 s idle timeout, so the balancer closes first.
  keepAliveTimeoutMs: 72_000,
  maxConnectionsPerIp: 0,
});

export function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void, limits: ConnectionLimits): Server {
  const requestTimeout = limits.requestTimeoutMs;
  // Node refuses a headers timeout above the request timeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  const refused = new WeakSet<Socket>();
  const server = createServer(
    {
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks those two deadlines on this period (30 s by default), so they could be
      // overrun by up to that much; the check walks only connections still receiving a request.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeout)),
    },
    limits.maxConnectionsPerIp > 0
      ? (req, res) => {
          // A refused connection has its answer already; a request it sent anyway is not served.
          if (!refused.has(req.socket)) handler(req, res);
        }
      : handler,
  );
  if (limits.maxConnectionsPerIp > 0) capConnectionsPerIp(server, limits.maxConnectionsPerIp, refused);
  return server;
}

/** Counts open connections per remote address; one over the cap is answered 429 and closed. */
function capConnectionsPerIp(server: Server, cap: number, refused: WeakSet<Socket>): void {
  const open = new Map<string, number>();
  const refusal = refusalResponse(cap);
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const count = (open.get(ip) ?? 0) + 1;
    if (count > cap) {
      refused.add(socket);
      socket.end(refusal);
      // A client that does not read its answer must not keep the socket either.
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = open.get(ip)! - 1;
      if (left === 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
}

/**
 * Node's `clientError`, which fastify answers in its own shape: a request that timed out or does
 * not parse gets the OpenAI envelope, unless an answer was already written (after a 401, say,
 * the client is still sending its body), and the connection closes.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable && socket.bytesWritten === 0) {
    const answer =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? KernelErrors.REQUEST_TIMEOUT()
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? KernelErrors.REQUEST_HEADERS_TOO_LARGE()
          : KernelErrors.REQUEST_MALFORMED_HTTP();
    socket.write(rawResponse(answer));
  }
  socket.destroy();
}

function refusalResponse(cap: number): string {
  return rawResponse(KernelErrors.REQUEST_TOO_MANY_CONNECTIONS({ limit: cap }));
}

/** A whole HTTP response, for a socket no request owns. */
function rawResponse(err: SluiceError): string {
  const body = JSON.stringify(verdictEnvelope(err));
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\n` +
    `content-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-sluice-error-code: ${err.code}\r\n` +
    `connection: close\r\n\r\n${body}`
  );
}
