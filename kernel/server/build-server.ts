/**
 * The fastify instance: body parsing into OpenAI errors, request ids, the auth step on every
 * non-public route, the OpenAI routes, health, and the routes plugins contribute.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RouteCredential, RouteDefinition } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import { STATIC_CALL_ROUTES, registerOpenAIRoutes } from '../proxy/openai-routes.js';
import type { PipelineDeps } from '../proxy/call-pipeline.js';
import { clientIpResolver } from './client-ip.js';
import { callFastPath, type FastPath } from './call-fast-path.js';
import { assertAccess, authenticate, presentedToken, type Access } from './authenticate.js';
import { installErrorHandlers } from './error-handler.js';
import { registerHealthRoutes, type HealthDeps } from './health-routes.js';
import { answerClientError, createHttpServer, type ConnectionLimits } from './http-server.js';
import { parseJsonBody, type JsonLimits } from './json-body.js';
import { pluginRouteFastPath } from './plugin-route-fast-path.js';
import { registerPluginRoutes, type PluginRouteConfig, type PluginRouteDeps } from './plugin-routes.js';
import { requestIdV7 } from './request-id.js';
import './request-state.js';

export interface ServerDeps {
  hooks: KernelHooks;
  log: Logger;
  bodyLimitBytes: number;
  /** Depth and string bounds of every JSON body. */
  json: JsonLimits;
  connections: ConnectionLimits;
  pipeline: PipelineDeps;
  health: HealthDeps;
  pluginRoutes: { pluginId: string; route: RouteDefinition }[];
  /** What plugin routes' `callModel` and `forward` route with. */
  routeModels?: PluginRouteDeps['models'];
  /** Routes answered 503 while shutting down. */
  isShuttingDown(): boolean;
  /** The only header the caller's key is read from (lower case; server.api_key_header). */
  keyHeader?: string;
  /** Proxies whose X-Forwarded-For is believed (server.trusted_proxies; client-ip.ts). */
  trustedProxies?: readonly string[];
}

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : requestIdV7();
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const clientIp = clientIpResolver(deps.trustedProxies);
  const fastPath = callFastPath({ ...deps, requestId, clientIp }, STATIC_CALL_ROUTES);
  // Set once the plugin routes are registered (below), before the server listens.
  let routeFastPath: FastPath | undefined;
  const app: FastifyInstance = Fastify({
    // The LLM call routes and the common plugin route requests are answered before fastify routes
    // the request (call-fast-path.ts, plugin-route-fast-path.ts).
    // Fastify's own timeout options apply only to a server it creates itself: ours sets them.
    serverFactory: (handler) =>
      createHttpServer((req, res) => {
        if (!fastPath(req, res) && !routeFastPath?.(req, res)) handler(req, res);
      }, deps.connections),
    clientErrorHandler: answerClientError,
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    // Per-request lines are the pipeline's (logging.requests), not fastify's.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestId,
    return503OnClosing: false,
    // The kernel logs through its own logger; a pino child per request would be pure overhead.
    childLoggerFactory: (logger) => logger,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // request.ip by the same rule as the fast paths' clientIp.
    trustProxy: deps.trustedProxies && deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
  });

  app.decorateRequest('principal', undefined);
  app.decorateRequest('receivedAt', 0);

  // OpenAI clients send JSON; curl users often forget the header. Parse any body as JSON, as LiteLLM
  // does, with the same bounds as the fast path: every management route gets them too.
  // A plugin route that takes raw bodies (plugin-routes.ts) gets the bytes as they came.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if ((req.routeOptions.config as Partial<PluginRouteConfig> | undefined)?.rawBody === true) return done(null, body);
    try {
      done(null, parseJsonBody((body as Buffer).toString('utf8'), deps.json));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  // One onRequest step per route, with the route's access rule bound at registration: it stamps
  // the arrival time and the request id headers, then (unless public) runs the auth step. A single
  // hook keeps fastify's per-hook machinery off the hot path (an onSend hook, even unused by
  // hijacked replies, costs ~10% of throughput). Proxy routes write their own headers.
  app.addHook('onRoute', (route) => {
    const config = route.config as { access?: Access; writesOwnHeaders?: boolean; credential?: RouteCredential } | undefined;
    const credential = config?.credential;
    const access = config?.access ?? 'public';
    const stampIds = config?.writesOwnHeaders !== true;
    const url = route.url;
    const stamp = (request: FastifyRequest, reply: FastifyReply) => {
      request.receivedAt = performance.now();
      if (stampIds) reply.header('x-request-id', request.id).header('x-litellm-call-id', request.id);
    };
    const step =
      access === 'public'
        ? (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
            stamp(request, reply);
            done();
          }
        : async (request: FastifyRequest, reply: FastifyReply) => {
            stamp(request, reply);
            if (deps.isShuttingDown()) throw KernelErrors.SHUTTING_DOWN();
            const principal = await authenticate(deps.hooks, request, deps.keyHeader, credential);
            assertAccess(access, principal, url);
            request.principal = principal;
          };
    route.onRequest = route.onRequest ? [step, ...[route.onRequest].flat()] : [step];
  });

  installErrorHandlers(app, deps.log, deps.bodyLimitBytes, deps.pipeline.scrub, async (request) => {
    if (presentedToken(request.headers, deps.keyHeader) !== undefined) await authenticate(deps.hooks, request, deps.keyHeader);
  });
  registerHealthRoutes(app, deps.health);
  registerOpenAIRoutes(app, deps.pipeline);
  const routeDeps: PluginRouteDeps = { hooks: deps.hooks, observers: deps.pipeline.observers, log: deps.log, scrub: deps.pipeline.scrub, models: deps.routeModels, keyHeader: deps.keyHeader };
  const registered = registerPluginRoutes(app, routeDeps, deps.pluginRoutes);
  routeFastPath = pluginRouteFastPath({ routes: routeDeps, bodyLimitBytes: deps.bodyLimitBytes, json: deps.json, isShuttingDown: () => deps.isShuttingDown(), requestId, clientIp }, registered);
  return app;
}
