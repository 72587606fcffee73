/**
 * LiteLLM's load-time refusals of inconsistent litellm_jwtauth settings, the switch
 * (general_settings.enable_jwt_auth), and the claim path reader.
 */
import { describe, expect, it } from 'vitest';
import { isPluginConfigError } from '@sluice/plugin-sdk';
import plugin from '../src/index.js';
import { nestedValue } from '../src/claims.js';
import { looksLikeJwt } from '../src/verify-token.js';
import type { AuthJwtConfig } from '../src/config.generated.js';
import { MASTER_KEY, startGateway } from '../../../test/support/gateway.js';
import { jwksServer, sign, signingKey } from './issuer.js';

const URL_OK = { public_key_url: 'https://idp.example.test/jwks' };
const scope = { enabled: [], installed: [] };

function refusal(config: AuthJwtConfig): { path: string; message: string } {
  try {
    plugin.checkConfig!(config, scope);
  } catch (err) {
    if (isPluginConfigError(err)) return { path: err.path, message: err.message };
    throw err;
  }
  throw new Error('expected a config error');
}

describe('checkConfig (LiteLLM_JWTAuth validation)', () => {
  it('user_roles_jwt_field without user_allowed_roles, and the reverse', () => {
    expect(refusal({ ...URL_OK, user_roles_jwt_field: 'roles' }).message).toBe('user_allowed_roles must be provided if user_roles_jwt_field is set.');
    expect(refusal({ ...URL_OK, user_allowed_roles: ['a'] }).message).toBe('user_allowed_roles must be provided if user_roles_jwt_field is set.');
  });

  it('object_id_jwt_field without role_mappings', () => {
    expect(refusal({ ...URL_OK, object_id_jwt_field: 'oid' }).message).toBe(
      'if object_id_jwt_field is set, role_mappings must also be set. Needed to infer if the caller is a user or team.',
    );
  });

  it('scope_mappings without enforce_scope_based_access', () => {
    const r = refusal({ ...URL_OK, scope_mappings: [{ scope: 's', models: ['a'] }] });
    expect(r).toEqual({ path: 'general_settings.litellm_jwtauth.scope_mappings', message: 'scope_mappings must be set if enforce_scope_based_access is true.' });
  });

  it('no JWT_PUBLIC_KEY_URL: a warning at startup (LiteLLM starts), a bad URL refuses to start', () => {
    const warnings = plugin.checkConfig!({} as never, scope);
    expect(warnings.some((w) => w.includes('Missing JWT Public Key URL from environment.'))).toBe(true);
    expect(refusal({ public_key_url: 'ftp://x/jwks' }).message).toContain('not an http(s) URL');
  });

  it('warns about an unscoped issuer and unknown route entries', () => {
    const warnings = plugin.checkConfig!({ ...URL_OK, admin_allowed_routes: ['management_routes', 'mangement_routes'] }, scope);
    expect(warnings.some((w) => w.includes('"mangement_routes" is neither a LiteLLM route group nor a path'))).toBe(true);
    expect(warnings.some((w) => w.includes('neither JWT_AUDIENCE nor JWT_ISSUER'))).toBe(true);
  });

  it('names the LiteLLM fields it does not act on', () => {
    const warnings = plugin.checkConfig!({ ...URL_OK, litellm_jwtauth: { team_alias_jwt_field: 'team_name', user_id_jwt_field: 'sub' } }, scope);
    expect(warnings).toContain("general_settings.litellm_jwtauth.team_alias_jwt_field is accepted but not acted on by Sluice's JWT auth; it has no effect");
    expect(warnings.some((w) => w.includes('user_id_jwt_field'))).toBe(false);
  });

  it('a gateway with an inconsistent litellm_jwtauth does not start, naming the setting', async () => {
    await expect(
      startGateway(
        {
          model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
          general_settings: { master_key: MASTER_KEY, enable_jwt_auth: true, litellm_jwtauth: { user_roles_jwt_field: 'roles' } },
        } as never,
        { env: { JWT_PUBLIC_KEY_URL: 'https://idp.example.test/jwks' } },
      ),
    ).rejects.toThrow(/user_allowed_roles must be provided if user_roles_jwt_field is set/);
  });
});

describe('enable_jwt_auth', () => {
  it('without it, a JWT is not accepted (the plugin is off)', async () => {
    const key = await signingKey('k');
    const idp = await jwksServer([key]);
    const gw = await startGateway({ model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }], general_settings: { master_key: MASTER_KEY } } as never, {
      env: { JWT_PUBLIC_KEY_URL: idp.url },
    });
    try {
      expect(gw.gateway.plugins.some((p) => p.id === 'auth-jwt')).toBe(false);
      const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${await sign(key, { sub: 'a' })}` } });
      expect(res.status).toBe(401);
    } finally {
      await gw.close();
      await idp.close();
    }
  });
});

describe('claim paths and token shape', () => {
  it('reads dot paths, with \\. for a dot inside a claim name', () => {
    const claims = { a: { b: { c: 'deep' } }, 'https://x.io/roles': ['r'], list: ['x'] };
    expect(nestedValue(claims, 'a.b.c')).toBe('deep');
    expect(nestedValue(claims, 'https://x\\.io/roles')).toEqual(['r']);
    expect(nestedValue(claims, 'a.missing.c')).toBeUndefined();
    expect(nestedValue(claims, 'list.0')).toBeUndefined();
    expect(nestedValue(claims, '__proto__')).toBeUndefined();
  });

  it('a JWT is three dot-separated parts (LiteLLM is_jwt)', () => {
    expect(looksLikeJwt('a.b.c')).toBe(true);
    expect(looksLikeJwt('a.b.')).toBe(true);
    expect(looksLikeJwt('sk-1234')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('.b.c')).toBe(false);
  });
});
