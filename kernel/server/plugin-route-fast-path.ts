/**
 * Plugin routes (an API family's `POST` endpoint) answered straight from node's request event,
 * as call-fast-path.ts does for the chat routes: fastify's router, onRequest hook, body parser
 * and reply cost a plugin route ~20 µs of CPU a request, which made a call through an API-family
 * plugin cost the gateway more than a chat call (issue 19's bench bar).
 *
 * It takes only the common shape: a POST to a route whose path has no parameter, without a query
 * string (fastify's parser decides what a query means), with a JSON body of a stated length, on a
 * route that takes JSON. Everything else goes to fastify. The steps are fastify's in the same
 * order (shutting down, authenticate, access, body bounds) and the route's work and answer are the
 * same code (plugin-route-run.ts, route-answer.ts); test/plugin-route-fast-path.test.ts compares
 * the two paths' answers.
 */
import type { ClientIp } from './client-ip.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';
import { assertAccess, authenticate } from './authenticate.js';
import type { FastPath } from './call-fast-path.js';
import type { JsonLimits } from './json-body.js';
import type { PluginRouteDeps } from './plugin-routes.js';
import { ROUTE_ABANDONED, runPluginRoute, type RegisteredRoute } from './plugin-route-run.js';
import { CLIENT_GONE, readJsonBody, takesJsonBody } from './request-body.js';
import { clientGone, writeRouteAnswer, writeRouteError } from './route-answer.js';

export interface RouteFastPathDeps {
  routes: PluginRouteDeps;
  bodyLimitBytes: number;
  json: JsonLimits;
  isShuttingDown(): boolean;
  requestId(req: IncomingMessage): string;
  /** The client's address (client-ip.ts). */
  clientIp: ClientIp;
}

/** Whether the fast path may answer this route (the rest of the shape is checked per request). */
function takesRoute(registered: RegisteredRoute): boolean {
  const { route } = registered;
  return !registered.raw && !registered.streamed && [route.method].flat().includes('POST') && !route.url.includes(':') && !route.url.includes('*');
}

/** Returns undefined when no route qualifies: the server then pays nothing for it. */
export function pluginRouteFastPath(deps: RouteFastPathDeps, registered: readonly RegisteredRoute[]): FastPath | undefined {
  const table = new Map<string, RegisteredRoute>();
  for (const one of registered) if (takesRoute(one)) table.set(one.route.url, one);
  if (table.size === 0) return undefined;
  return (req, res) => {
    if (req.method !== 'POST') return false;
    // An exact path: a query string, a trailing or doubled slash, an encoded character all go to fastify.
    const one = table.get(req.url ?? '');
    if (one === undefined || !takesJsonBody(req)) return false;
    answer(deps, one, req, res).catch((err: unknown) => {
      // Only writing the error answer itself can get here: the socket is gone.
      deps.routes.log.error({ err }, 'could not answer a route');
      res.destroy();
    });
    return true;
  };
}

async function answer(deps: RouteFastPathDeps, registered: RegisteredRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { route } = registered;
  const requestId = deps.requestId(req);
  const url = req.url!;
  const ip = deps.clientIp(req);
  const { gone, release } = clientGone(res);
  // One scope for the answer and an error answer (which ignores `gone`).
  const scope = { requestId, errorFormat: registered.errorFormat, scrub: deps.routes.scrub, log: deps.routes.log, gone, release };
  try {
    let principal: Principal | undefined;
    // As fastify's onRequest step (build-server.ts): public routes skip the shutdown check and auth.
    if (route.access !== 'public') {
      if (deps.isShuttingDown()) throw KernelErrors.SHUTTING_DOWN();
      principal = await authenticate(deps.routes.hooks, { headers: req.headers, method: 'POST', url, ip, id: requestId }, deps.routes.keyHeader, route.credential);
      assertAccess(route.access, principal, route.url);
    }
    const body = await readJsonBody(req, route.maxBodyBytes ?? deps.bodyLimitBytes, deps.json);
    if (body === CLIENT_GONE) return release();
    const arrival = { principal, body, query: Object.create(null) as Record<string, string>, params: {}, headers: req.headers, ip, requestId, method: 'POST', url };
    const outcome = await runPluginRoute(deps.routes, registered, arrival, gone);
    if (outcome === ROUTE_ABANDONED) return release();
    // A whole answer is written at once; only a stream's relay is waited for.
    const relaying = writeRouteAnswer(res, scope, outcome);
    if (relaying) await relaying;
  } catch (err) {
    writeRouteError(res, scope, err);
  }
}
