/**
 * The LLM call routes (`POST /v1/chat/completions` and the like), answered straight from node's
 * request event instead of through fastify's router, hook runner, body parser and reply. On these
 * routes none of those does anything the pipeline does not do itself (it writes its own headers,
 * and the kernel taps no fastify hook), and skipping them took 3-4% off a proxied call's CPU in an
 * A/B under load; the bench's bare fastify pass-through pays them.
 *
 * The answers are the same as fastify's for the same route (test/call-fast-path.test.ts compares
 * them). Anything outside the common shape (a parameterised path, a body without Content-Length,
 * a content type other than JSON) is left to fastify, which handles every case.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVerdict, type Endpoint } from '@sluice/plugin-sdk';
import { KernelErrors, toClientError } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import { runCall, type PipelineDeps } from '../proxy/call-pipeline.js';
import type { CallReply, CallRequest } from '../proxy/call-exchange.js';
import { authenticate } from './authenticate.js';
import { writeError } from './error-handler.js';
import { parseJsonBody, type JsonLimits } from './json-body.js';

export interface FastPathDeps {
  hooks: KernelHooks;
  log: Logger;
  bodyLimitBytes: number;
  json: JsonLimits;
  pipeline: PipelineDeps;
  isShuttingDown(): boolean;
  requestId(req: IncomingMessage): string;
  keyHeader?: string;
}

/** Returns whether it took the request; fastify gets the ones it did not. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function callFastPath(deps: FastPathDeps, routes: ReadonlyMap<string, Endpoint>): FastPath {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const endpoint = routes.get(q === -1 ? url : url.slice(0, q));
    if (endpoint === undefined || !takesBody(req)) return false;
    answer(deps, endpoint, req, res).catch((err: unknown) => {
      // Only writing the error answer itself can get here: the socket is gone.
      deps.log.error({ err }, 'could not answer a call');
      res.destroy();
    });
    return true;
  };
}

/** A JSON body (or none) of a stated length: what OpenAI clients send. */
function takesBody(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return false;
  const length = h['content-length'];
  if (length === undefined || !isDigits(length)) return false;
  const type = h['content-type'];
  return type === undefined ? length === '0' : type.startsWith('application/json') && (type.length === 16 || type.charCodeAt(16) === 59); // ';'
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

class FastRequest implements CallRequest {
  body: unknown = undefined;
  principal: CallRequest['principal'] = undefined;
  readonly headers: IncomingMessage['headers'];
  readonly method: string;
  readonly url: string;
  constructor(
    readonly raw: IncomingMessage,
    readonly id: string,
    public receivedAt: number,
  ) {
    this.headers = raw.headers;
    this.method = raw.method!;
    this.url = raw.url!;
  }
  get ip(): string {
    return this.raw.socket.remoteAddress ?? '';
  }
}

class FastReply implements CallReply {
  constructor(readonly raw: ServerResponse) {}
  hijack(): void {}
}

async function answer(deps: FastPathDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = new FastRequest(req, deps.requestId(req), performance.now());
  try {
    if (deps.isShuttingDown()) throw KernelErrors.SHUTTING_DOWN();
    // As on fastify's routes: who is calling is settled before the body is read.
    request.principal = await authenticate(deps.hooks, request, deps.keyHeader);
    const body = await readBody(req, deps.bodyLimitBytes, deps.json);
    if (body === CLIENT_GONE) return;
    request.body = body;
    await runCall(deps.pipeline, endpoint, request, new FastReply(res));
  } catch (err) {
    const clientError = toClientError(err, request.id);
    if (!isVerdict(err)) deps.log.error({ err, requestId: request.id, url: request.url }, 'unhandled error');
    writeError(res, request.id, clientError, deps.pipeline.scrub);
  }
}

const CLIENT_GONE = Symbol('client gone');

/** The body parsed as JSON, with fastify's limits and errors (see `fromFastify`). */
function readBody(req: IncomingMessage, limit: number, json: JsonLimits): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(KernelErrors.REQUEST_TOO_LARGE({ limit }));
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let received = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        done();
        reject(KernelErrors.REQUEST_TOO_LARGE({ limit }));
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      done();
      if (received !== declared) {
        reject(KernelErrors.REQUEST_MALFORMED_JSON({ detail: 'The Content-Length header does not match the body.' }));
        return;
      }
      try {
        resolve(parseJsonBody(more ? Buffer.concat(more, received).toString('utf8') : first ? first.toString('utf8') : '', json));
      } catch (err) {
        reject(err);
      }
    };
    const onGone = () => {
      done();
      resolve(CLIENT_GONE);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
