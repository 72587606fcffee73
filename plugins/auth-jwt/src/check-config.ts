/**
 * LiteLLM's load-time refusals of inconsistent JWT settings (LiteLLM_JWTAuth.__init__ in
 * proxy/_types.py), with its messages, plus what Sluice needs to start: a JWKS URL.
 */
import { PluginConfigError, routeGroupOf } from '@sluice/plugin-sdk';
import type { AuthJwtConfig } from './config.generated.js';

const AT = 'general_settings.litellm_jwtauth';

/** LiteLLM_JWTAuth fields Sluice accepts but does not act on (said at startup, not silently ignored). */
const NOT_ACTED_ON: ReadonlySet<string> = new Set([
  'team_jwt_scope',
  'upsert_sso_user_to_team',
  'public_allowed_routes',
  'enforce_team_based_model_access',
  'custom_validate',
  'jwt_litellm_role_map',
  'sync_user_role_and_teams',
  'team_alias_jwt_field',
  'org_alias_jwt_field',
  'issuers',
  'oidc_userinfo_enabled',
  'oidc_userinfo_endpoint',
  'oidc_userinfo_cache_ttl',
  'fallback_to_db_teams',
  'team_claim_fallback',
  'agent_id_jwt_field',
  'user_allowed_email_subdomain',
]);

export function checkJwtConfig(config: AuthJwtConfig): string[] {
  if ((config.user_roles_jwt_field !== undefined) !== (config.user_allowed_roles !== undefined)) {
    throw new PluginConfigError(`${AT}.user_allowed_roles`, 'user_allowed_roles must be provided if user_roles_jwt_field is set.');
  }
  if (config.object_id_jwt_field !== undefined && config.role_mappings === undefined) {
    throw new PluginConfigError(`${AT}.object_id_jwt_field`, 'if object_id_jwt_field is set, role_mappings must also be set. Needed to infer if the caller is a user or team.');
  }
  if (config.scope_mappings !== undefined && !config.enforce_scope_based_access) {
    throw new PluginConfigError(`${AT}.scope_mappings`, 'scope_mappings must be set if enforce_scope_based_access is true.');
  }
  const urls = (config.public_key_url ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const warnings: string[] = [];
  // LiteLLM starts without one and refuses each JWT: so does Sluice, saying so at startup too.
  if (urls.length === 0) warnings.push('general_settings.enable_jwt_auth is on but no JWKS URL is set (JWT_PUBLIC_KEY_URL or litellm_jwtauth.public_key_url): every JWT is refused with "Missing JWT Public Key URL from environment."');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PluginConfigError('JWT_PUBLIC_KEY_URL', `"${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new PluginConfigError('JWT_PUBLIC_KEY_URL', `"${url}" is not an http(s) URL`);
  }
  for (const field of Object.keys(config.litellm_jwtauth ?? {})) {
    if (NOT_ACTED_ON.has(field)) warnings.push(`${AT}.${field} is accepted but not acted on by Sluice's JWT auth; it has no effect`);
  }
  // Each list by the setting an operator wrote it in.
  const routeLists: Array<[string, readonly string[] | null | undefined]> = [
    [`${AT}.admin_allowed_routes`, config.admin_allowed_routes],
    [`${AT}.team_allowed_routes`, config.team_allowed_routes],
    ['general_settings.admin_only_routes', config.admin_only_routes],
    ...(config.role_permissions ?? []).map((p, i): [string, readonly string[] | undefined] => [`general_settings.role_permissions[${i}].routes`, p.routes]),
  ];
  for (const [name, list] of routeLists) {
    for (const entry of list ?? []) {
      if (routeGroupOf(entry) === undefined && !entry.startsWith('/')) warnings.push(`${name}: "${entry}" is neither a LiteLLM route group nor a path; it matches nothing`);
    }
  }
  if (config.audience === undefined && config.issuer === undefined) {
    warnings.push('JWT auth is enabled but neither JWT_AUDIENCE nor JWT_ISSUER is configured: tokens minted for any application sharing the issuer\'s signing keys are accepted');
  }
  if (config.enforce_rbac && (config.role_permissions ?? []).length === 0) {
    warnings.push(`${AT}.enforce_rbac: no general_settings.role_permissions are set, so every role may call every model and route`);
  }
  return warnings;
}
