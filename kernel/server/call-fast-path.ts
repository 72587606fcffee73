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
import type { ClientIp } from './client-ip.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVerdict, type Endpoint } from '@sluice/plugin-sdk';
import { KernelErrors, toClientError } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import { runCall, type PipelineDeps } from '../proxy/call-pipeline.js';
import type { CallReply, CallRequest } from '../proxy/call-exchange.js';
import { authenticate } from './authenticate.js';
import { writeError } from './error-handler.js';
import type { JsonLimits } from './json-body.js';
import { CLIENT_GONE, readJsonBody, takesJsonBody } from './request-body.js';

export interface FastPathDeps {
  hooks: KernelHooks;
  log: Logger;
  bodyLimitBytes: number;
  json: JsonLimits;
  pipeline: PipelineDeps;
  isShuttingDown(): boolean;
  requestId(req: IncomingMessage): string;
  keyHeader?: string;
  /** The client's address (client-ip.ts). */
  clientIp: ClientIp;
}

/** Returns whether it took the request; fastify gets the ones it did not. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function callFastPath(deps: FastPathDeps, routes: ReadonlyMap<string, Endpoint>): FastPath {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const endpoint = routes.get(q === -1 ? url : url.slice(0, q));
    if (endpoint === undefined || !takesJsonBody(req)) return false;
    answer(deps, endpoint, req, res).catch((err: unknown) => {
      // Only writing the error answer itself can get here: the socket is gone.
      deps.log.error({ err }, 'could not answer a call');
      res.destroy();
    });
    return true;
  };
}

class FastRequest implements CallRequest {
  body: unknown = undefined;
  principal: CallRequest['principal'] = undefined;
  readonly headers: IncomingMessage['headers'];
  readonly method: string;
  readonly url: string;
  private address: string | undefined;
  constructor(
    readonly raw: IncomingMessage,
    readonly id: string,
    public receivedAt: number,
    private readonly clientIp: ClientIp,
  ) {
    this.headers = raw.headers;
    this.method = raw.method!;
    this.url = raw.url!;
  }
  get ip(): string {
    return (this.address ??= this.clientIp(this.raw));
  }
}

class FastReply implements CallReply {
  constructor(readonly raw: ServerResponse) {}
  hijack(): void {}
}

async function answer(deps: FastPathDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = new FastRequest(req, deps.requestId(req), performance.now(), deps.clientIp);
  try {
    if (deps.isShuttingDown()) throw KernelErrors.SHUTTING_DOWN();
    // As on fastify's routes: who is calling is settled before the body is read.
    request.principal = await authenticate(deps.hooks, request, deps.keyHeader);
    const body = await readJsonBody(req, deps.bodyLimitBytes, deps.json);
    if (body === CLIENT_GONE) return;
    request.body = body;
    await runCall(deps.pipeline, endpoint, request, new FastReply(res));
  } catch (err) {
    const clientError = toClientError(err, request.id);
    if (!isVerdict(err)) deps.log.error({ err, requestId: request.id, url: request.url }, 'unhandled error');
    writeError(res, request.id, clientError, deps.pipeline.scrub);
  }
}
