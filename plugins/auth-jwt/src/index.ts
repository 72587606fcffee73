/**
 * JWT auth for API calls (LiteLLM `general_settings.enable_jwt_auth` + `litellm_jwtauth`).
 *
 * preAuth (stage AUTH): a bearer token of three dot-separated parts is this plugin's; anything
 * else passes on (virtual keys, the master key). The token is verified against the issuer's JWKS
 * (verify-token.ts, jwks.ts), its claims read once (claims.ts) and both cached by the token's
 * hash until its `exp` (token-cache.ts): a repeat call costs a hash, a map lookup and the
 * identity directory's cached answer. LiteLLM's route rules (admin_allowed_routes,
 * team_allowed_routes, enforce_rbac + role_permissions, general_settings.admin_only_routes) are
 * compiled once by the SDK's route-rules.ts and matched against the path the router really serves
 * (a spelling no rule can be sure of is refused with 400 where a rule applies); the caller
 * becomes the Principal governance-tenancy builds for its user, team, organization and end user
 * (`ctx.identities`), so spend and limits attach as for a virtual key; an admin-scope token is a
 * proxy_admin. preCall checks the model rules (scope_mappings, role_permissions' models).
 */
import {
  compileRouteRules,
  definePlugin,
  isVerdict,
  normalizeRoutePath,
  RouteRuleErrors,
  type AuthInput,
  type CallContext,
  type ExternalIdentity,
  type Principal,
  type RouteRules,
} from '@sluice/plugin-sdk';
import { checkJwtConfig } from './check-config.js';
import { claimReader, type RbacRole, type TokenClaims } from './claims.js';
import type { AuthJwtConfig } from './config.generated.js';
import { JwtErrors } from './errors.js';
import { JwksKeys } from './jwks.js';
import { TokenCache, tokenHash } from './token-cache.js';
import { looksLikeJwt, verifyToken, type VerifyOptions } from './verify-token.js';

export const PLUGIN_ID = 'auth-jwt';

interface Verified {
  expiresAt: number;
  claims: TokenClaims;
  /** The proxy_admin principal of an admin-scope token (built once per token). */
  admin?: Principal;
  /** The identity asked of the directory, per team ('' for none), built on the token's first call. */
  identities?: Map<string, ExternalIdentity>;
}

/** Refusals of a team the directory cannot use: the next team of the token's list is tried. */
const UNUSABLE_TEAM = new Set(['IDENTITY_TEAM_NOT_FOUND', 'VIRTUAL_KEY_TEAM_BLOCKED']);

const pyList = (items: readonly string[]) => `[${items.map((i) => `'${i}'`).join(', ')}]`;

function headerValue(headers: AuthInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** The credential as the kernel reads it (AuthInput.token), for preCall. */
function presentedToken(headers: CallContext['headers']): string | undefined {
  const auth = headerValue(headers, 'authorization');
  if (auth !== undefined && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return headerValue(headers, 'x-api-key') ?? headerValue(headers, 'api-key') ?? headerValue(headers, 'x-litellm-api-key');
}

export default definePlugin<AuthJwtConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  checkConfig: (config) => checkJwtConfig(config),
  setup(ctx, config) {
    const urls = (config.public_key_url ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    const timeoutMs = config.jwks_timeout_ms ?? 5_000;
    const keys = new JwksKeys(
      urls,
      async (url) => {
        const res = await ctx.http.request(url, { method: 'GET', headers: { accept: 'application/json' }, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs });
        const text = await res.body.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        return { status: res.status, body };
      },
      (config.public_key_ttl ?? 600) * 1000,
      (config.jwks_refetch_interval_seconds ?? 10) * 1000,
      () => ctx.now(),
      (fields, message) => ctx.log.warn(fields, message),
      config.public_key_stale_ttl === undefined ? undefined : config.public_key_stale_ttl * 1000,
    );
    const verifyOptions: VerifyOptions = {
      ...(config.audience !== undefined && { audience: config.audience }),
      ...(config.issuer !== undefined && { issuer: config.issuer }),
      leewaySeconds: config.leeway_seconds ?? 0,
      requireExp: config.require_exp ?? false,
      maxTokenBytes: config.max_token_bytes ?? 16_384,
    };
    const readClaims = claimReader(config);
    const cacheTtlMs = (config.token_cache_ttl_seconds ?? 60) * 1000;
    const cache = new TokenCache<Verified>(config.token_cache_max_entries ?? 10_000);
    const verifying = new Map<string, Promise<Verified>>();

    // LiteLLM's route rules, compiled once (groups expanded, `*` prefixes, `{param}` patterns).
    const adminRoutes = compileRouteRules(config.admin_allowed_routes ?? ['management_routes', 'spend_tracking_routes', 'global_spend_tracking_routes', 'info_routes']);
    const teamRoutes = compileRouteRules(config.team_allowed_routes ?? ['openai_routes', 'info_routes']);
    const rolePermissions = new Map<RbacRole, { models?: string[]; routes?: RouteRules }>();
    for (const p of config.role_permissions ?? []) {
      rolePermissions.set(p.role, { ...(p.models && { models: p.models }), ...(p.routes && { routes: compileRouteRules(p.routes) }) });
    }
    // general_settings.admin_only_routes, as governance-tenancy applies it to virtual keys.
    const adminOnly = config.admin_only_routes && config.admin_only_routes.length > 0 ? compileRouteRules(config.admin_only_routes) : undefined;
    const enforceRbac = config.enforce_rbac ?? false;
    const scopeMappings = config.enforce_scope_based_access ? (config.scope_mappings ?? []) : [];
    const emailDomain = config.user_allowed_email_domain;

    const verify = async (token: string, hash: string): Promise<Verified> => {
      if (urls.length === 0) throw JwtErrors.NO_PUBLIC_KEY_URL();
      const payload = await verifyToken(token, keys, verifyOptions);
      const now = ctx.now();
      const claims = readClaims(payload);
      const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
      const entry: Verified = { expiresAt: Math.min(exp, now + cacheTtlMs), claims };
      if (claims.admin) {
        entry.admin = Object.freeze({
          id: claims.principalId,
          authenticatedBy: PLUGIN_ID,
          role: 'proxy_admin',
          ...(claims.userId !== undefined && { userId: claims.userId }),
          ...(claims.organizationId !== undefined && { organizationId: claims.organizationId }),
        } satisfies Principal);
      }
      if (cacheTtlMs > 0 && entry.expiresAt > now) cache.set(hash, entry);
      return entry;
    };

    /** The verified entry of a token (concurrent first calls with one token share one verification). */
    const verified = (token: string): Promise<Verified> => {
      const hash = tokenHash(token);
      const hit = cache.get(hash, ctx.now());
      if (hit) return Promise.resolve(hit);
      let pending = verifying.get(hash);
      if (!pending) {
        pending = verify(token, hash).finally(() => verifying.delete(hash));
        verifying.set(hash, pending);
      }
      return pending;
    };

    /** The teams the call may be billed to, in the order LiteLLM tries them; `specific`: refusals name it. */
    const teamsOf = (c: TokenClaims, input: AuthInput): { teams: string[]; specific: boolean } => {
      const header = headerValue(input.headers, 'x-litellm-team-id');
      if (header !== undefined && header !== '') {
        if (!c.allTeamIds.includes(header)) throw JwtErrors.TEAM_NOT_IN_TOKEN({ team: header, allowed: pyList([...c.allTeamIds].sort()) });
        return { teams: [header], specific: true };
      }
      if (c.teamId !== undefined) return { teams: [c.teamId], specific: true };
      if (config.team_id_jwt_field !== undefined) throw JwtErrors.NO_TEAM({ field: config.team_id_jwt_field });
      return { teams: c.allTeamIds, specific: false };
    };

    const identityOf = (entry: Verified, teamId: string | undefined, validEmail: boolean | undefined): ExternalIdentity => {
      const memo = (entry.identities ??= new Map());
      const known = memo.get(teamId ?? '');
      if (known) return known;
      const c = entry.claims;
      const identity: ExternalIdentity = Object.freeze({
        authenticatedBy: PLUGIN_ID,
        id: c.principalId,
        ...(c.userId !== undefined && { userId: c.userId }),
        ...(c.userEmail !== undefined && { userEmail: c.userEmail }),
        ...(teamId !== undefined && { teamId }),
        ...(c.organizationId !== undefined && { organizationId: c.organizationId }),
        ...(c.endUserId !== undefined && { endUserId: c.endUserId }),
        upsertUser: (config.user_id_upsert ?? false) && validEmail !== false,
        upsertTeam: config.team_id_upsert ?? false,
      });
      memo.set(teamId ?? '', identity);
      return identity;
    };

    const principalOf = async (entry: Verified, teams: string[], validEmail: boolean | undefined): Promise<Principal> => {
      const directory = ctx.identities;
      if (!directory) throw JwtErrors.NO_DIRECTORY();
      if (teams.length <= 1) return directory.principalFor(identityOf(entry, teams[0], validEmail));
      // team_ids_jwt_field: the first team of the list that exists and is not blocked (LiteLLM's find_team_with_model_access).
      for (const teamId of teams) {
        try {
          return await directory.principalFor({ ...identityOf(entry, teamId, validEmail), upsertTeam: false });
        } catch (err) {
          if (!isVerdict(err) || !UNUSABLE_TEAM.has((err as { code?: string }).code ?? '')) throw err;
        }
      }
      return directory.principalFor(identityOf(entry, undefined, validEmail));
    };

    const admit = async (entry: Verified, input: AuthInput): Promise<Principal> => {
      const c = entry.claims;
      // The path as the router serves it, read when a rule applies: a spelling none can be checked against is refused.
      let normalized: string | undefined;
      const route = (): string => {
        if (normalized !== undefined) return normalized;
        normalized = normalizeRoutePath(input.path);
        if (normalized === undefined) throw RouteRuleErrors.UNCHECKABLE_PATH({ path: input.path });
        return normalized;
      };
      if (enforceRbac) {
        if (c.rbacRole === undefined) throw JwtErrors.RBAC_UNMATCHED();
        const allowed = rolePermissions.get(c.rbacRole)?.routes;
        if (allowed && !allowed.matches(route())) throw JwtErrors.RBAC_ROUTE({ role: c.rbacRole, route: route(), allowed: pyList(allowed.entries) });
      }
      if (entry.admin) {
        if (!adminRoutes.matches(route())) throw JwtErrors.ADMIN_ROUTE({ route: route(), allowed: pyList(adminRoutes.entries) });
        return entry.admin;
      }
      let { teams, specific } = teamsOf(c, input);
      if (teams.length > 0 && !teamRoutes.matches(route())) {
        if (specific) throw JwtErrors.TEAM_ROUTE({ route: route(), allowed: pyList(teamRoutes.entries) });
        teams = [];
      }
      let validEmail: boolean | undefined;
      if (emailDomain !== undefined) {
        validEmail = c.userEmail !== undefined && c.userEmail.split('@').pop() === emailDomain;
        if (!validEmail) throw JwtErrors.EMAIL_DOMAIN({ email: c.userEmail ?? 'None', domain: emailDomain });
      }
      if (enforceRbac && c.userId === undefined && teams.length === 0) throw JwtErrors.RBAC_NO_ID();
      const principal = await principalOf(entry, teams, validEmail);
      // Judged by the principal's role, as for a virtual key of the same user (a proxy_admin user's token passes).
      if (adminOnly && principal.role !== 'proxy_admin' && adminOnly.matches(route())) throw JwtErrors.ADMIN_ONLY_ROUTE({ route: route() });
      return principal;
    };

    const checkModel = (c: TokenClaims, model: string) => {
      if (enforceRbac && c.rbacRole !== undefined) {
        const allowed = rolePermissions.get(c.rbacRole)?.models;
        if (allowed && !allowed.includes(model)) throw JwtErrors.RBAC_MODEL({ role: c.rbacRole, model, allowed: pyList(allowed) });
      }
      if (scopeMappings.length > 0) {
        const allowed = scopeMappings.filter((m) => c.scopes.includes(m.scope)).flatMap((m) => m.models ?? []);
        if (!allowed.includes(model)) throw JwtErrors.SCOPE_MODEL({ model, allowed: pyList(allowed) });
      }
    };
    const modelRules = scopeMappings.length > 0 || (enforceRbac && [...rolePermissions.values()].some((p) => p.models));

    return {
      async preAuth(input) {
        const token = input.token;
        if (token === undefined || !looksLikeJwt(token)) return undefined;
        return admit(await verified(token), input);
      },
      ...(modelRules && {
        async preCall(call: CallContext) {
          if (call.principal.authenticatedBy !== PLUGIN_ID || typeof call.body.model !== 'string') return;
          const token = presentedToken(call.headers);
          if (token === undefined || !looksLikeJwt(token)) return;
          checkModel((await verified(token)).claims, call.body.model);
        },
      }),
      async close() {
        cache.clear();
      },
    };
  },
});
