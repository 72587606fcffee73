/**
 * The routes plugins contribute: their handler gets the request (JSON or raw bytes), answers a
 * JSON value, text, or a byte stream relayed with backpressure, and may record the request as a
 * billable call (an `onSpend` event, as a model call's).
 *
 * A route that the gateway (or an earlier plugin) already serves is skipped with a warning: the
 * first registration wins, as LiteLLM keeps its own route over a pass-through on the same path.
 *
 * What a route does with a request (plugin-route-run.ts) and how its answer is written
 * (route-answer.ts) is shared with the fast path (plugin-route-fast-path.ts), which answers the
 * common shape of request to a static JSON route before fastify sees it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { ErrorFormat, HttpMethod, RouteCredential, RouteDefinition } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import type { ObserverQueue } from '../observers.js';
import type { Scrub } from './error-handler.js';
import { registeredRoute, ROUTE_ABANDONED, runPluginRoute, type RegisteredRoute } from './plugin-route-run.js';
import { clientGone, writeRouteAnswer } from './route-answer.js';
import type { EnvironmentAdapters, RouteModelDeps } from './route-model-call.js';

export interface PluginRouteDeps {
  hooks: KernelHooks;
  observers: ObserverQueue;
  log: Logger;
  /** Removes known secrets from error answers. */
  scrub: Scrub;
  /** `server.api_key_header`: the header the gateway key comes in, hidden from route handlers. */
  keyHeader?: string;
  /** What `callModel` and `forward` route with; without it routes get neither. */
  models?: RouteModelDeps & { environment: EnvironmentAdapters };
}

/** The route config the content-type parser and error handler read. */
export interface PluginRouteConfig {
  access: RouteDefinition['access'];
  pluginId: string;
  /** Raw routes get the body's bytes. */
  rawBody?: boolean;
  errorFormat?: ErrorFormat;
  /** Read by the auth step (build-server.ts). */
  credential?: RouteCredential;
}

const EMPTY = Buffer.alloc(0);
const NO_BYTES: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

/** The request's bytes as they arrive, refused with 413 past `limit` (a chunked body has no length to check first). */
async function* bounded(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > limit) throw KernelErrors.REQUEST_TOO_LARGE({ limit });
    yield chunk;
  }
}

/** Registers the routes; returns the ones registered (with the methods they got), for the fast path. */
export function registerPluginRoutes(app: FastifyInstance, deps: PluginRouteDeps, routes: readonly { pluginId: string; route: RouteDefinition }[]): RegisteredRoute[] {
  const registered: RegisteredRoute[] = [];
  // An operator's own routes (a configured pass-through on `/v1/messages`) come before the routes
  // plugins serve by default on the same path; the gateway's own routes come before both.
  const ordered = [...routes.filter((r) => r.route.configured === true), ...routes.filter((r) => r.route.configured !== true)];
  for (const { pluginId, route } of ordered) {
    const methods = [route.method].flat().filter((m: HttpMethod) => {
      if (!app.hasRoute({ method: m as HTTPMethods, url: route.url })) return true;
      deps.log.warn({ plugin: pluginId, method: m, url: route.url }, `${pluginId}: ${m} ${route.url} is already served by the gateway or a configured route; its route is skipped`);
      return false;
    });
    if (methods.length === 0) continue;
    const one = registeredRoute(pluginId, { ...route, method: methods });
    registerPluginRoute(app, deps, one);
    registered.push(one);
  }
  return registered;
}

function registerPluginRoute(app: FastifyInstance, deps: PluginRouteDeps, registered: RegisteredRoute): void {
  if (registered.streamed) {
    // Streamed bodies skip the gateway's buffering parser: in its own encapsulated context the
    // route gets the request stream itself, and reads (or forwards) it as it arrives.
    void app.register(async (scoped) => {
      scoped.removeAllContentTypeParsers();
      scoped.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      addPluginRoute(scoped, deps, registered);
    });
    return;
  }
  addPluginRoute(app, deps, registered);
}

function addPluginRoute(app: FastifyInstance, deps: PluginRouteDeps, registered: RegisteredRoute): void {
  const { route, raw, streamed } = registered;
  const config: PluginRouteConfig = { access: route.access, pluginId: registered.pluginId, ...(raw && { rawBody: true }), ...(route.errorFormat && { errorFormat: route.errorFormat }),
    ...(route.credential && { credential: route.credential }),
  };
  const limit = route.maxBodyBytes;
  app.route({
    method: route.method,
    url: route.url,
    config,
    ...(limit !== undefined && !streamed && { bodyLimit: limit }),
    // Read by the swagger plugin when it is enabled.
    schema: (route.summary || route.tags ? { summary: route.summary, tags: route.tags } : undefined) as FastifySchema | undefined,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      let body: unknown = raw ? (request.body ?? EMPTY) : request.body;
      if (streamed) {
        const max = limit ?? request.routeOptions.bodyLimit ?? Infinity;
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > max) throw KernelErrors.REQUEST_TOO_LARGE({ limit: max });
        body = request.body === undefined ? NO_BYTES : bounded(request.body as AsyncIterable<Uint8Array>, max);
      }
      // Fired when the client goes away before the answer is complete; taken off before the
      // answer's last byte (route-answer.ts clientGone), or here when fastify renders the error.
      const { gone, release } = clientGone(reply.raw);
      let outcome: Awaited<ReturnType<typeof runPluginRoute>>;
      try {
        outcome = await runPluginRoute(
          deps,
          registered,
          {
            principal: request.principal,
            body,
            query: request.query as Record<string, string | string[] | undefined>,
            params: request.params as Record<string, string>,
            headers: request.headers,
            ip: request.ip,
            requestId: request.id,
            method: request.method,
            url: request.url,
          },
          gone,
        );
      } catch (err) {
        release();
        throw err;
      }
      // The answer is written to node's response by the same code as the fast path's (route-answer.ts).
      reply.hijack();
      if (outcome === ROUTE_ABANDONED) return release();
      await writeRouteAnswer(reply.raw, { requestId: request.id, errorFormat: registered.errorFormat, scrub: deps.scrub, log: deps.log, gone, release }, outcome);
    },
  });
}
