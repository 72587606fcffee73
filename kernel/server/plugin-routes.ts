/**
 * The routes plugins contribute: their handler gets the request (JSON or raw bytes), answers a
 * JSON value, text, or a byte stream relayed with backpressure, and may record the request as a
 * billable call (an `onSpend` event, as a model call's).
 *
 * A route that the gateway (or an earlier plugin) already serves is skipped with a warning: the
 * first registration wins, as LiteLLM keeps its own route over a pass-through on the same path.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { HttpMethod, RouteDefinition, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { toClientError } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import type { ObserverQueue } from '../observers.js';
import { emit, RouteAdmission } from './route-admission.js';

export interface PluginRouteDeps {
  hooks: KernelHooks;
  observers: ObserverQueue;
  log: Logger;
}

/** The route config the content-type parser reads: raw routes get the body's bytes. */
export interface PluginRouteConfig {
  access: RouteDefinition['access'];
  pluginId: string;
  rawBody?: boolean;
}

const EMPTY = Buffer.alloc(0);

export function registerPluginRoutes(app: FastifyInstance, deps: PluginRouteDeps, routes: readonly { pluginId: string; route: RouteDefinition }[]): void {
  for (const { pluginId, route } of routes) {
    const methods = [route.method].flat().filter((m: HttpMethod) => {
      if (!app.hasRoute({ method: m as HTTPMethods, url: route.url })) return true;
      deps.log.warn({ plugin: pluginId, method: m, url: route.url }, `${pluginId}: ${m} ${route.url} is already served by the gateway; its route is skipped`);
      return false;
    });
    if (methods.length > 0) registerPluginRoute(app, deps, pluginId, { ...route, method: methods });
  }
}

function registerPluginRoute(app: FastifyInstance, deps: PluginRouteDeps, pluginId: string, route: RouteDefinition): void {
  const raw = route.body === 'raw';
  const config: PluginRouteConfig = { access: route.access, pluginId, ...(raw && { rawBody: true }) };
  app.route({
    method: route.method,
    url: route.url,
    config,
    // Read by the swagger plugin when it is enabled.
    schema: (route.summary || route.tags ? { summary: route.summary, tags: route.tags } : undefined) as FastifySchema | undefined,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      // Fired when the client goes away before the answer is complete (a finished answer also
      // closes, but then there is nothing left to cancel).
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const principal = request.principal;
      // Made on the first admit() only: a route that admits nothing pays nothing for it.
      let admission: RouteAdmission | undefined;
      const input: RouteRequest = {
        principal: request.principal,
        body: raw ? (request.body ?? EMPTY) : request.body,
        query: request.query as Record<string, string | string[] | undefined>,
        params: request.params as Record<string, string>,
        headers: request.headers,
        ip: request.ip,
        requestId: request.id,
        method: request.method,
        url: request.url,
        signal: gone.signal,
        recordSpend: (spend) => {
          if (!principal) return;
          if (admission) admission.record(spend);
          else emit(deps, { principal, requestId: request.id }, undefined, spend);
        },
      };
      if (principal) {
        input.admit = (call) => {
          admission ??= new RouteAdmission(deps, { principal, requestId: request.id, headers: request.headers, ip: request.ip, receivedAt: Date.now() });
          return admission.admit(call);
        };
      }
      let result: RouteResult;
      try {
        result = await route.handler(input);
      } catch (err) {
        if (gone.signal.aborted) {
          admission?.settle('failure', 499, 'SLUICE_ERR_CLIENT_CLOSED');
          // The client is gone and the handler gave up on its work: nobody to answer, nothing to log.
          return reply.hijack();
        }
        if (admission?.open) {
          const failed = toClientError(err, request.id);
          admission.settle('failure', failed.status, failed.code);
        }
        throw err;
      }
      if (admission?.open) return answer(reply, settledWith(result, admission, gone.signal));
      return answer(reply, result);
    },
  });
}

function answer(reply: FastifyReply, result: RouteResult): FastifyReply {
  reply.code(result.status ?? 200);
  for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
  if (result.stream) {
    if (!reply.hasHeader('content-type')) reply.type(result.contentType ?? 'application/octet-stream');
    // Readable.from pulls the next chunk only when the socket has taken the last one; when the
    // client goes away fastify destroys the stream, which calls the iterator's return().
    return reply.send(Readable.from(result.stream, { objectMode: false }));
  }
  if (typeof result.body === 'string') return reply.type(result.contentType ?? 'text/plain; charset=utf-8').send(result.body);
  return reply.type(result.contentType ?? 'application/json').send(JSON.stringify(result.body));
}

/**
 * An admitted call's answer that settles it once it is over, if the route recorded no spend:
 * at once for a whole body, after the last chunk (or the client leaving) for a stream. The
 * route's own record, made inside its stream's iteration, comes first.
 */
function settledWith(result: RouteResult, admission: RouteAdmission, gone: AbortSignal): RouteResult {
  const status = result.status ?? 200;
  const settle = () => {
    if (gone.aborted) admission.settle('failure', 499, 'SLUICE_ERR_CLIENT_CLOSED');
    else admission.settle(status < 400 ? 'success' : 'failure', status);
  };
  if (!result.stream) {
    settle();
    return result;
  }
  const source = result.stream;
  return {
    ...result,
    stream: (async function* () {
      try {
        yield* source;
      } finally {
        settle();
      }
    })(),
  };
}
