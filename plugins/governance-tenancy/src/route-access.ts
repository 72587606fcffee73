/**
 * LiteLLM's route access control for virtual keys (route_checks.py): a key's `allowed_routes`
 * (when not empty, the only routes it may call) and `general_settings.admin_only_routes` (routes
 * only a proxy_admin may call). Checked in preAuth, where the request's path is known; a key with
 * neither costs one length test.
 *
 * An entry is a path (`/chat/completions`, and for a key's list the paths under it), a prefix
 * ending in `*` (`/key/*`), a `{param}` pattern, or one of LiteLLM's route groups (`LiteLLMRoutes`
 * in `_types.py`, all of them): the SDK's route-rules.ts compiles and matches them.
 */
import { compileRouteRules, normalizeRoutePath, RouteRuleErrors, type Principal, type RouteRules } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';

/** A key's list compiled once (the record, and so its array, lives as long as its cache entry). */
const compiled = new WeakMap<readonly string[], RouteRules>();

function keyRules(allowedRoutes: readonly string[]): RouteRules {
  let rules = compiled.get(allowedRoutes);
  if (!rules) {
    // LiteLLM's _route_matches_allowed_route: a plain entry also admits the paths under it.
    rules = compileRouteRules(allowedRoutes, { subpaths: true });
    compiled.set(allowedRoutes, rules);
  }
  return rules;
}

/**
 * Throws LiteLLM's refusal when the key may not call `path` (AuthInput.path: matched as the router
 * serves it, see the SDK's route-rules.ts; a spelling that cannot be checked is refused).
 */
export function checkRouteAccess(principal: Principal, allowedRoutes: readonly string[], adminOnly: RouteRules | undefined, path: string): void {
  const byAdminOnly = adminOnly !== undefined && principal.role !== 'proxy_admin';
  const byKey = allowedRoutes.length > 0;
  if (!byAdminOnly && !byKey) return;
  const route = normalizeRoutePath(path);
  if (route === undefined) throw RouteRuleErrors.UNCHECKABLE_PATH({ path });
  if (byAdminOnly && adminOnly.matches(route)) throw KeyErrors.ADMIN_ONLY_ROUTE({ route });
  if (byKey && !keyRules(allowedRoutes).matches(route)) {
    throw KeyErrors.ROUTE_NOT_ALLOWED({ allowed: `[${allowedRoutes.map((r) => `'${r}'`).join(', ')}]`, route });
  }
}
