/** Every error leaves as the OpenAI envelope with its registry code in `x-sluice-error-code`. */
import type { ServerResponse } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, isVerdict, verdictEnvelope, type ErrorFormat, type SluiceError } from '@sluice/plugin-sdk';
import { KernelErrors, toClientError } from '../errors.js';
import type { Logger } from '../logging/create-logger.js';

/** Removes known secret values from text a client will see (upstream messages may echo credentials). */
export type Scrub = (text: string) => string;

/** The headers of an error answer, besides its content type and length. */
export function errorHeaders(err: SluiceError, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-sluice-error-code': err.code, 'x-request-id': requestId, 'x-litellm-call-id': requestId };
  if (err.pluginId) headers['x-sluice-plugin'] = err.pluginId;
  if (err.headers) Object.assign(headers, err.headers);
  return headers;
}

export function sendError(reply: FastifyReply, err: SluiceError, scrub: Scrub): void {
  if (reply.sent || reply.raw.headersSent) {
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  // A plugin route may speak another API's error shape (RouteDefinition.errorFormat).
  const format = (reply.request.routeOptions.config as { errorFormat?: ErrorFormat } | undefined)?.errorFormat;
  void reply
    .code(err.status)
    .headers(errorHeaders(err, reply.request.id))
    .type('application/json')
    .send(scrub(JSON.stringify(format === undefined ? verdictEnvelope(err) : errorBody(format, err))));
}

/** `sendError` for a response no framework owns (the fast paths); `format` as the route's `errorFormat`. */
export function writeError(res: ServerResponse, requestId: string, err: SluiceError, scrub: Scrub, format?: ErrorFormat): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = scrub(JSON.stringify(format === undefined ? verdictEnvelope(err) : errorBody(format, err)));
  const headers: Record<string, string | number> = errorHeaders(err, requestId);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(err.status, headers);
  res.end(body);
}

/** Maps fastify's own errors (body parsing, limits) onto the registry. */
function fromFastify(err: FastifyError, request: FastifyRequest, bodyLimit: number): SluiceError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // A route's own limit (RouteDefinition.maxBodyBytes) is the one the client ran into.
      return KernelErrors.REQUEST_TOO_LARGE({ limit: request.routeOptions.bodyLimit ?? bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return KernelErrors.REQUEST_UNSUPPORTED_MEDIA_TYPE({ contentType: String(request.headers['content-type'] ?? '') });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return KernelErrors.REQUEST_NOT_OBJECT();
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return KernelErrors.REQUEST_MALFORMED_JSON({ detail: 'The Content-Length header does not match the body.' });
  }
  if (err.statusCode === 400) return KernelErrors.REQUEST_MALFORMED_JSON({ detail: '' });
  return toClientError(err, request.id);
}

/**
 * `checkCredential`: run before answering an unknown route, so a request that presents a key that
 * does not authenticate gets the auth step's 401 first (as LiteLLM, which authenticates before it
 * routes); requests without a key still get the 404.
 */
export function installErrorHandlers(app: FastifyInstance, log: Logger, bodyLimit: number, scrub: Scrub, checkCredential?: (request: FastifyRequest) => Promise<void>): void {
  app.setErrorHandler((err: FastifyError | SluiceError, request, reply) => {
    const clientError = isVerdict(err) ? err : fromFastify(err, request, bodyLimit);
    if (clientError.status >= 500 && clientError.code === KernelErrors.INTERNAL.code) {
      log.error({ err, requestId: request.id, url: request.url }, 'unhandled error');
    }
    sendError(reply, clientError, scrub);
  });
  app.setNotFoundHandler(async (request, reply) => {
    if (checkCredential) await checkCredential(request);
    sendError(reply, KernelErrors.ROUTE_NOT_FOUND({ method: request.method, url: request.url.split('?', 1)[0] }), scrub);
  });
}
