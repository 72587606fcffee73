/**
 * Roles and scopes (litellm_jwtauth): enforce_rbac with role_mappings (roles_jwt_field,
 * object_id_jwt_field) and user_roles_jwt_field/user_allowed_roles, general_settings.role_permissions
 * for routes and models, scope_mappings with enforce_scope_based_access, user_allowed_email_domain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { jwksServer, sign, signingKey, type JwksServer, type SigningKey } from './issuer.js';

let gw: TestGateway;
let idp: JwksServer;
let key: SigningKey;

async function send(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { error?: { message: string; code: string } } };
}
const chat = (token: string, model = 'a') => send('POST', '/v1/chat/completions', token, { model, messages: [{ role: 'user', content: 'hi' }] });
const token = (claims: Record<string, unknown>) => sign(key, claims);

beforeAll(async () => {
  key = await signingKey('k1');
  idp = await jwksServer([key]);
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'a', litellm_params: { model: 'fake/a' } },
        { model_name: 'b', litellm_params: { model: 'fake/b' } },
        { model_name: 'c', litellm_params: { model: 'fake/c' } },
      ],
      general_settings: {
        master_key: MASTER_KEY,
        enable_jwt_auth: true,
        litellm_jwtauth: {
          user_id_jwt_field: 'sub',
          user_id_upsert: true,
          user_email_jwt_field: 'email',
          user_allowed_email_domain: 'example.com',
          user_roles_jwt_field: 'realm_access.roles',
          user_allowed_roles: ['basic_user'],
          enforce_rbac: true,
          roles_jwt_field: 'resource_access.sluice.roles',
          role_mappings: [{ role: 'llm.consumer', internal_role: 'team' }],
          object_id_jwt_field: 'client_id',
          team_id_upsert: true,
          scope_mappings: [
            { scope: 'models.a', models: ['a'] },
            { scope: 'models.b', models: ['b'] },
          ],
          enforce_scope_based_access: true,
        },
        role_permissions: [
          { role: 'team', models: ['a', 'b'], routes: ['/v1/chat/completions'] },
          { role: 'internal_user', models: ['a', 'c'], routes: ['openai_routes'] },
        ],
      },
    } as never,
    { env: { JWT_PUBLIC_KEY_URL: idp.url } },
  );
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

describe('enforce_rbac', () => {
  it('role_permissions and litellm_jwtauth are read; the only warning is LiteLLM’s about an unscoped issuer', () => {
    expect(gw.gateway.warnings.filter((w) => /jwt|role_permissions/i.test(w))).toEqual([
      "JWT auth is enabled but neither JWT_AUDIENCE nor JWT_ISSUER is configured: tokens minted for any application sharing the issuer's signing keys are accepted",
    ]);
  });

  it('a token that maps to no role is refused', async () => {
    const reply = await chat(await token({ email: 'x@example.com', scope: 'models.a' }));
    expect(reply.status).toBe(403);
    expect(reply.json.error?.message).toBe('Unmatched token passed in. enforce_rbac is set to True. Token must belong to a proxy admin, team, or user.');
  });

  it('a role mapped to team (roles_jwt_field, dot path) with object_id_jwt_field calls as that team', async () => {
    const t = await token({ email: 'svc@example.com', resource_access: { sluice: { roles: ['llm.consumer'] } }, client_id: 'svc-team', scope: 'models.a' });
    expect((await chat(t)).status).toBe(200);
    // The team was created (team_id_upsert) and the call billed to it.
    expect((await send('GET', '/team/info?team_id=svc-team', MASTER_KEY)).status).toBe(200);
  });

  it('role_permissions routes: the team role may call only /v1/chat/completions', async () => {
    const t = await token({ email: 'svc@example.com', resource_access: { sluice: { roles: ['llm.consumer'] } }, client_id: 'svc-team', scope: 'models.a' });
    const reply = await send('GET', '/v1/models', t);
    expect(reply.status).toBe(403);
    expect(reply.json.error?.message).toBe("Role=team not allowed to call route=/v1/models. Allowed routes=['/v1/chat/completions']");
  });

  it('role_permissions models: an internal user (user_allowed_roles) may call a and c, not b', async () => {
    const t = await token({ email: 'u@example.com', realm_access: { roles: ['basic_user'] }, scope: 'models.a models.b' });
    expect((await chat(t, 'a')).status).toBe(200);
    const refused = await chat(t, 'b');
    expect(refused.status).toBe(403);
    expect(refused.json.error?.message).toBe("Role=internal_user not allowed to call model=b. Allowed models=['a', 'c']");
  });
});

describe('scope_mappings + enforce_scope_based_access', () => {
  it('a model no scope of the token allows is refused; one it allows is called', async () => {
    const t = await token({ sub: 'scoped', email: 'scoped@example.com', scope: 'openid models.b' });
    expect((await chat(t, 'b')).status).toBe(403); // role internal_user: b is not in its role_permissions
    const t2 = await token({ sub: 'scoped', email: 'scoped@example.com', scope: 'openid models.b' });
    const c = await chat(t2, 'c');
    expect(c.status).toBe(403);
    expect(c.json.error?.message).toBe("model=c not allowed. Allowed_models=['b']");
    const ok = await chat(await token({ sub: 'scoped', email: 'scoped@example.com', scope: 'models.a' }), 'a');
    expect(ok.status).toBe(200);
  });
});

describe('user_allowed_email_domain', () => {
  it('an email outside the domain is refused with 403; a token without email too', async () => {
    const wrong = await chat(await token({ sub: 'eve', email: 'eve@evil.test', scope: 'models.a' }));
    expect(wrong.status).toBe(403);
    expect(wrong.json.error?.message).toBe('Email domain not allowed. User email: eve@evil.test. Allowed domain: example.com');
    const none = await chat(await token({ sub: 'eve', scope: 'models.a' }));
    expect(none.json.error?.message).toBe('Email domain not allowed. User email: None. Allowed domain: example.com');
    expect((await send('GET', '/user/info?user_id=eve', MASTER_KEY)).status).toBe(404); // never created
  });
});
