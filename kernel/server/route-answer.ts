/**
 * A plugin route's answer written to node's response, by both paths (fastify's route hijacks its
 * reply for it, the fast path owns its response): one set of rules, and a stream relayed by one
 * loop that settles the admitted call when it ends. Before this, a stream went through the
 * route's generator, a settling generator around it, `Readable.from` and a pipe: two extra
 * promise hops and a stream buffer per chunk, the biggest part of a streamed route's overhead.
 *
 * The rules are fastify's `reply.send` for what routes answer: a string is text, anything else
 * JSON; a JSON content type without a charset gets `; charset=utf-8`; a 1xx/204 has no body.
 */
import type { ServerResponse } from 'node:http';
import type { AbortSignalLike, ErrorFormat, RouteResult } from '@sluice/plugin-sdk';
import { KernelErrors, toClientError } from '../errors.js';
import { CallAbort } from '../proxy/call-abort.js';
import type { Logger } from '../logging/create-logger.js';
import { writeError, type Scrub } from './error-handler.js';
import type { RouteOutcome } from './plugin-route-run.js';
import type { RouteAdmission } from './route-admission.js';

export interface AnswerScope {
  requestId: string;
  errorFormat?: ErrorFormat;
  scrub: Scrub;
  log: Logger;
  /** The client leaving. */
  gone: AbortSignalLike;
  /** Takes the client-leaving listener off the response (clientGone); called before the last byte. */
  release?: () => void;
}

/**
 * The client leaving: a CallAbort fired by the response's 'close' before the answer is complete.
 * `release` takes the listener off, and the writers below call it right before the answer's last
 * byte (as the chat pipeline does): a 'close' listener still on the response when it finishes kept
 * the response, and every object of the call reachable from it, alive through the next scavenges
 * (measured on /v1/messages at one connection: ~5 MB promoted per scavenge with it, none without,
 * and twice the chat path's GC time per call).
 */
export function clientGone(res: ServerResponse): { gone: CallAbort; release(): void } {
  const gone = new CallAbort();
  const onClose = () => {
    if (!res.writableFinished) gone.abort();
  };
  res.on('close', onClose);
  return { gone, release: () => res.off('close', onClose) };
}

/**
 * Writes the answer; never throws (a failure before the first byte is answered as an error, after
 * it cuts the answer short). A whole answer is written at once and nothing is returned; a stream
 * returns the promise of its relay. (Not an async function: awaiting one that had nothing to wait
 * for costs every whole answer a promise and a tick.)
 */
export function writeRouteAnswer(res: ServerResponse, scope: AnswerScope, outcome: RouteOutcome): Promise<void> | undefined {
  const { result, admission } = outcome;
  const status = result.status ?? 200;
  const headers = answerHeaders(scope.requestId, result.headers);
  if (result.stream) return relayRouteStream(res, scope, result, result.stream, admission, status, headers);
  try {
    // Serialised first: an answer that cannot be sent (a body JSON cannot hold, a bad status) is the route's failure.
    const payload = wholePayload(status, headers, result);
    if (admission) settleAnswered(admission, status, scope.gone);
    scope.release?.();
    res.writeHead(status, headers);
    res.end(payload);
  } catch (err) {
    if (admission) settleFailed(admission, err, scope);
    writeRouteError(res, scope, err);
  }
  return undefined;
}

async function relayRouteStream(
  res: ServerResponse,
  scope: AnswerScope,
  result: RouteResult,
  stream: NonNullable<RouteResult['stream']>,
  admission: RouteAdmission | undefined,
  status: number,
  headers: Headers,
): Promise<void> {
  const source = stream[Symbol.asyncIterator]();
  let step: IteratorResult<Uint8Array>;
  try {
    // Headers wait for the first chunk (as fastify's pipe did): a source that fails at once still gets an error answer.
    step = await source.next();
    headers['content-type'] ??= result.contentType ?? 'application/octet-stream';
    res.writeHead(status, headers);
  } catch (err) {
    if (admission) settleFailed(admission, err, scope);
    if (!scope.gone.aborted) writeRouteError(res, scope, err);
    void source.return?.()?.catch(() => undefined);
    return;
  }
  let failure: unknown;
  try {
    while (!step.done) {
      const chunk = step.value;
      // Backpressure: wait only when the socket's buffer is full.
      if (chunk.length > 0 && !res.write(chunk) && !(await drained(res))) break;
      if (scope.gone.aborted) break;
      step = await source.next();
    }
    if (step.done) {
      scope.release?.();
      res.end();
    }
    // The client left: stop the source, which aborts what feeds it.
    else await source.return?.();
  } catch (err) {
    failure = err;
    if (!scope.gone.aborted) scope.log.warn({ err, requestId: scope.requestId }, 'a route stream failed after its first bytes; the answer is cut short');
    res.destroy();
  } finally {
    // The route's own record, made inside its stream's iteration, came first (then this does nothing).
    if (admission) {
      if (failure !== undefined) settleFailed(admission, failure, scope);
      else settleAnswered(admission, status, scope.gone);
    }
  }
}

/** An error answer in the route's format, logged when it is the gateway's fault (as fastify's error handler does). */
export function writeRouteError(res: ServerResponse, scope: Omit<AnswerScope, 'gone'>, err: unknown): void {
  scope.release?.();
  const clientError = toClientError(err, scope.requestId);
  if (clientError.status >= 500 && clientError.code === KernelErrors.INTERNAL.code) scope.log.error({ err, requestId: scope.requestId }, 'unhandled error');
  writeError(res, scope.requestId, clientError, scope.scrub, scope.errorFormat);
}

function settleAnswered(admission: RouteAdmission, status: number, gone: AbortSignalLike): void {
  if (gone.aborted) admission.settle('failure', 499, 'SLUICE_ERR_CLIENT_CLOSED');
  else admission.settle(status < 400 ? 'success' : 'failure', status);
}

function settleFailed(admission: RouteAdmission, err: unknown, scope: AnswerScope): void {
  if (scope.gone.aborted) {
    admission.settle('failure', 499, 'SLUICE_ERR_CLIENT_CLOSED');
    return;
  }
  const failed = toClientError(err, scope.requestId);
  admission.settle('failure', failed.status, failed.code);
}

type Headers = Record<string, string | string[] | number>;

function answerHeaders(requestId: string, own: RouteResult['headers']): Headers {
  const headers: Headers = { 'x-request-id': requestId, 'x-litellm-call-id': requestId };
  if (own) for (const name in own) headers[name.toLowerCase()] = own[name]!;
  return headers;
}

/** The body of a whole answer, its content headers set on `headers`. */
function wholePayload(status: number, headers: Headers, result: RouteResult): string | undefined {
  if (status < 200 || status === 204) {
    delete headers['content-type'];
    delete headers['content-length'];
    return undefined;
  }
  const text = typeof result.body === 'string';
  const payload: string | undefined = text ? (result.body as string) : JSON.stringify(result.body);
  const type = result.contentType ?? (text ? 'text/plain; charset=utf-8' : 'application/json');
  // No payload (an undefined body): fastify sends an empty answer without touching the type.
  headers['content-type'] = payload === undefined ? type : withJsonCharset(type);
  headers['content-length'] = payload === undefined ? 0 : Buffer.byteLength(payload);
  return payload;
}

const CHARSET = /;\s*charset\s*=/i;

/** fastify's rule: a JSON media type (`application/json`, `application/problem+json`…) is sent with a charset. */
function withJsonCharset(type: string): string {
  if (type === 'application/json') return 'application/json; charset=utf-8';
  const semi = type.indexOf(';');
  const media = (semi === -1 ? type : type.slice(0, semi)).toLowerCase();
  if (!media.includes('json') || CHARSET.test(type)) return type;
  return `${type.replace(/[;\s]+$/, '')}; charset=utf-8`;
}

/** Resolves true once the socket took the buffered bytes, false when the response closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
