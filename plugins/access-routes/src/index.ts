/**
 * LiteLLM's route control over the routes the gateway serves: `general_settings.allowed_routes`
 * (the only routes served, to anyone: LiteLLM checks it before it even reads the key),
 * DISABLE_ADMIN_ENDPOINTS / DISABLE_LLM_API_ENDPOINTS (whole route kinds off, for everyone) and
 * `public_routes` (served without a credential): pure functions of the path, so they are decided
 * in one preAuth tap at stage SECURITY, before any key is looked up.
 *
 * `admin_only_routes` depends on who is calling, which a SECURITY tap cannot know (preAuth bails
 * on the first principal: no tap runs after the one that recognised the key). The check is made
 * where the principal is built: governance-tenancy reads the same setting and refuses a
 * non-proxy_admin key with the same SDK matcher (route-rules.ts). Here it only keeps those routes
 * out of public_routes, so a public rule can never open an admin route.
 *
 * The anonymous principal of a public route has LiteLLM's role for it, internal_user_viewer: the
 * route's own access rule still applies (a proxy_admin route refuses it), and it carries no key,
 * user or team, so no limits, budgets or spend attach to anyone.
 */
import { compileRouteRules, definePlugin, normalizeRoutePath, RouteRuleErrors, type Principal } from '@sluice/plugin-sdk';
import type { AccessRoutesConfig } from './config.generated.js';
import { AccessRouteErrors } from './errors.js';
import { isLlmApiRoute, isManagementRoute, isOn } from './route-kinds.js';
import manifest from '../plugin.json' with { type: 'json' };

export { AccessRouteErrors };

/** Who calls a public route: nobody in particular. */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  authenticatedBy: manifest.id,
  role: 'internal_user_viewer',
  metadata: Object.freeze({ public_route: true }),
});

export default definePlugin<AccessRoutesConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const allowed = config.allowed_routes ? compileRouteRules(config.allowed_routes) : undefined;
    const publicRoutes = compileRouteRules(config.public_routes);
    const adminOnly = compileRouteRules(config.admin_only_routes);
    ctx.log.info(
      { allowed_routes: config.allowed_routes ?? null, public_routes: config.public_routes ?? [], admin_only_routes: config.admin_only_routes ?? [] },
      'route rules loaded',
    );
    if (allowed?.empty) ctx.log.warn('general_settings.allowed_routes is an empty list: every authenticated route is refused');
    if (!publicRoutes.empty && !adminOnly.empty) {
      for (const entry of publicRoutes.entries) {
        const path = normalizeRoutePath(entry);
        if (path !== undefined && adminOnly.matches(path)) ctx.log.warn({ route: entry }, 'a public route is also admin-only: it is not public');
      }
    }
    const hasPublic = !publicRoutes.empty;
    const noManagement = isOn(config.disable_admin_endpoints);
    const noLlmApi = isOn(config.disable_llm_api_endpoints);
    if (noManagement) ctx.log.warn('DISABLE_ADMIN_ENDPOINTS: management routes are refused');
    if (noLlmApi) ctx.log.warn('DISABLE_LLM_API_ENDPOINTS: LLM API routes are refused');
    const checked = allowed !== undefined || noManagement || noLlmApi;
    // LiteLLM's allowed_routes limits keys, not the master key (its test_aadmin_only_routes).
    const master = config.master_key ? new TextEncoder().encode(config.master_key) : undefined;
    const isMasterKey = (token: string | undefined): boolean => {
      if (!master || token === undefined) return false;
      const given = new TextEncoder().encode(token);
      if (given.length !== master.length) return false;
      let diff = 0;
      for (let i = 0; i < given.length; i++) diff |= given[i]! ^ master[i]!;
      return diff === 0;
    };
    return {
      async preAuth(input) {
        const path = normalizeRoutePath(input.path);
        if (checked) {
          if (path === undefined) throw RouteRuleErrors.UNCHECKABLE_PATH({ path: input.path });
          if (allowed && !allowed.matches(path) && !isMasterKey(input.token)) throw AccessRouteErrors.ROUTE_NOT_ALLOWED({ route: path });
          if (noManagement && isManagementRoute(path)) throw AccessRouteErrors.MANAGEMENT_DISABLED();
          if (noLlmApi && isLlmApiRoute(path)) throw AccessRouteErrors.LLM_API_DISABLED();
        }
        if (hasPublic && path !== undefined && publicRoutes.matches(path) && !adminOnly.matches(path)) return ANONYMOUS;
        return undefined;
      },
    };
  },
});
