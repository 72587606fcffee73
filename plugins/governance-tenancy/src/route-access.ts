/**
 * LiteLLM's route access control for virtual keys (route_checks.py): a key's `allowed_routes`
 * (when not empty, the only routes it may call) and `general_settings.admin_only_routes` (routes
 * only a proxy_admin may call). Checked in preAuth, where the request's path is known; a key with
 * neither costs one length test.
 *
 * An entry is a path (`/chat/completions`), a prefix ending in `*` (`/key/*`), or one of LiteLLM's
 * route groups (`LiteLLMRoutes` in `_types.py`): `openai_routes` / `llm_api_routes` (the model
 * call and model list paths) and `info_routes` (the read-only info paths).
 */
import type { Principal } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';

/** The OpenAI-compatible paths, with or without `/v1` (and the deployment-style ones). */
const OPENAI_PATH = /^(\/v1)?\/(chat\/completions|completions|embeddings|models(\/[^/]+)?|rerank|moderations|images\/\w+|audio\/\w+|responses|engines\/.+|threads(\/.*)?|assistants(\/.*)?)$|^\/openai\/deployments\/[^/]+\/\w+(\/\w+)?$|^\/v2\/rerank$/;
const INFO_PATHS = new Set(['/key/info', '/team/info', '/user/info', '/model/info', '/v2/model/info', '/v1/model/info', '/organization/info', '/models', '/v1/models', '/global/spend/logs', '/spend/logs']);

const GROUPS: Record<string, (path: string) => boolean> = {
  openai_routes: (p) => OPENAI_PATH.test(p),
  llm_api_routes: (p) => OPENAI_PATH.test(p),
  info_routes: (p) => INFO_PATHS.has(p),
};

function matches(entry: string, path: string): boolean {
  const group = GROUPS[entry.startsWith('LiteLLMRoutes.') ? entry.slice('LiteLLMRoutes.'.length) : entry];
  if (group) return group(path);
  if (entry.endsWith('*')) return path.startsWith(entry.slice(0, -1));
  return entry === path || entry === `${path}/`;
}

/** Normalised request path (no query, no trailing slash). */
function routeOf(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Throws LiteLLM's refusal when the key may not call `path`. */
export function checkRouteAccess(principal: Principal, allowedRoutes: readonly string[], adminOnly: readonly string[] | undefined, path: string): void {
  const route = routeOf(path);
  if (adminOnly && principal.role !== 'proxy_admin' && adminOnly.some((e) => matches(e, route))) {
    throw KeyErrors.ADMIN_ONLY_ROUTE({ route });
  }
  if (allowedRoutes.length > 0 && !allowedRoutes.some((e) => matches(e, route))) {
    throw KeyErrors.ROUTE_NOT_ALLOWED({ allowed: `[${allowedRoutes.map((r) => `'${r}'`).join(', ')}]`, route });
  }
}
