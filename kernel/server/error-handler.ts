/** Every error leaves as the OpenAI envelope with its registry code in `x-sluice-error-code`. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../plugin-sdk/errors.js';
import { KernelErrors, toClientError } from '../errors.js';
import type { Logger } from '../logging/create-logger.js';

/** Removes known secret values from text a client will see (upstream messages may echo credentials). */
export type Scrub = (text: string) => string;

export function sendError(reply: FastifyReply, err: SluiceError, scrub: Scrub): void {
  if (reply.sent || reply.raw.headersSent) {
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  reply.code(err.status).header('x-sluice-error-code', err.code);
  reply.header('x-request-id', reply.request.id).header('x-litellm-call-id', reply.request.id);
  if (err.pluginId) reply.header('x-sluice-plugin', err.pluginId);
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  void reply.type('application/json').send(scrub(JSON.stringify(err.toEnvelope())));
}

/** Maps fastify's own errors (body parsing, limits) onto the registry. */
function fromFastify(err: FastifyError, request: FastifyRequest, bodyLimit: number): SluiceError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KernelErrors.REQUEST_TOO_LARGE({ limit: bodyLimit });
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

export function installErrorHandlers(app: FastifyInstance, log: Logger, bodyLimit: number, scrub: Scrub): void {
  app.setErrorHandler((err: FastifyError | SluiceError, request, reply) => {
    const clientError = err instanceof SluiceError ? err : fromFastify(err, request, bodyLimit);
    if (clientError.status >= 500 && clientError.code === KernelErrors.INTERNAL.code) {
      log.error({ err, requestId: request.id, url: request.url }, 'unhandled error');
    }
    sendError(reply, clientError, scrub);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, KernelErrors.ROUTE_NOT_FOUND({ method: request.method, url: request.url.split('?', 1)[0] }), scrub);
  });
}
