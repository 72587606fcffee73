/**
 * What every SCIM route shares: the caller is authorized (scim-access.ts), the answer is
 * `application/scim+json`, refusals are SCIM error bodies, and resources carry their location
 * under the address the client called.
 */
import type { HttpMethod, PluginContext, RouteDefinition, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import type { ScimConfig } from './config.generated.js';
import { Management } from './management.js';
import { authorize } from './scim-access.js';
import { SCIM_CONTENT_TYPE, scimError } from './scim-errors.js';
import type { Location } from './scim-resources.js';

export const BASE = '/scim/v2';

export interface ScimDeps {
  ctx: PluginContext;
  config: ScimConfig;
  management: Management;
}

export interface ScimRequest {
  req: RouteRequest;
  at: Location;
}

function header(req: RouteRequest, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim() || undefined;
}

/** The SCIM base URL as the client reached it (behind a proxy: its forwarded host and scheme). */
export function locationOf(req: RouteRequest): Location {
  const host = header(req, 'x-forwarded-host') ?? header(req, 'host') ?? 'localhost';
  const proto = header(req, 'x-forwarded-proto') ?? 'http';
  return { base: `${proto}://${host}${BASE}` };
}

export function scimRoute(deps: ScimDeps, method: HttpMethod, url: string, summary: string, handle: (r: ScimRequest) => Promise<RouteResult>): RouteDefinition {
  return {
    method,
    url: `${BASE}${url}`,
    access: 'authenticated',
    summary,
    tags: ['SCIM v2'],
    handler: async (req) => {
      try {
        await authorize(req.principal, deps.management);
        const result = await handle({ req, at: locationOf(req) });
        return result.status === 204 ? result : { contentType: SCIM_CONTENT_TYPE, ...result };
      } catch (err) {
        return scimError(err);
      }
    },
  };
}

export function param(req: RouteRequest, name: string): string {
  // The router has decoded it already.
  return req.params[name] ?? '';
}

export function queryParam(req: RouteRequest, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? v[0] : v;
}
