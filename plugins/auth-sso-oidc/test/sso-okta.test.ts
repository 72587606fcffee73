/**
 * Okta as LiteLLM configures it (OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, OKTA_ISSUER, OKTA_SCOPE,
 * OKTA_CLIENT_USE_PKCE, OKTA_*_ENDPOINT): the provider LiteLLM picks, the endpoints it derives from
 * the issuer, and whole logins against a real OIDC issuer (oidc-provider on loopback) standing in
 * for Okta: one serving discovery at its issuer, one laid out as an Okta org authorization server
 * (`/oauth2/v1/authorize`, `/oauth2/v1/token`, `/oauth2/v1/userinfo`) without a discovery document,
 * signed into by a public client (no secret, PKCE). Both gateways are enabled by the environment
 * alone (`env.OKTA_CLIENT_ID` in plugin.json `litellm.enabledBy`), with no `plugins:` entry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { AuthSsoOidcConfig } from '../src/config.generated.js';
import { OKTA_SCOPE, oktaEndpoints, providerFrom } from '../src/providers.js';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, PUBLIC_CLIENT_ID, signInAtIssuer, startIssuer, type Issuer } from './oidc-issuer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const quiet = (): void => undefined;

describe('Okta: the endpoints LiteLLM derives from OKTA_ISSUER', () => {
  it('a custom authorization server: <issuer>/v1/authorize, /v1/token, /v1/userinfo (and /v1/keys)', () => {
    for (const issuer of ['https://acme.okta.com/oauth2/default', 'https://acme.okta.com/oauth2/default/']) {
      expect(oktaEndpoints(issuer)).toEqual({
        issuer: 'https://acme.okta.com/oauth2/default',
        authorization_endpoint: 'https://acme.okta.com/oauth2/default/v1/authorize',
        token_endpoint: 'https://acme.okta.com/oauth2/default/v1/token',
        userinfo_endpoint: 'https://acme.okta.com/oauth2/default/v1/userinfo',
        jwks_uri: 'https://acme.okta.com/oauth2/default/v1/keys',
        end_session_endpoint: 'https://acme.okta.com/oauth2/default/v1/logout',
      });
    }
    expect(oktaEndpoints('https://acme.okta.com/oauth2/aus1a2b3c4d5e6f7g8h9').authorization_endpoint).toBe('https://acme.okta.com/oauth2/aus1a2b3c4d5e6f7g8h9/v1/authorize');
  });

  it("an org authorization server (the bare org URL): Okta's /oauth2/v1/… endpoints", () => {
    const e = oktaEndpoints('https://acme.okta.com');
    expect(e.issuer).toBe('https://acme.okta.com');
    expect(e.authorization_endpoint).toBe('https://acme.okta.com/oauth2/v1/authorize');
    expect(e.token_endpoint).toBe('https://acme.okta.com/oauth2/v1/token');
    expect(e.userinfo_endpoint).toBe('https://acme.okta.com/oauth2/v1/userinfo');
  });
});

describe('Okta: which provider LiteLLM picks, and its settings', () => {
  const okta: AuthSsoOidcConfig = { okta_client_id: 'okta-id', okta_client_secret: 'okta-secret', okta_issuer: 'https://acme.okta.com/oauth2/default' };

  it('OKTA_CLIENT_ID alone makes Okta the provider: scope "openid email profile groups", PKCE on', () => {
    const p = providerFrom(okta, quiet)!;
    expect(p.kind).toBe('okta');
    expect(p.clientId).toBe('okta-id');
    expect(p.scope).toBe('openid email profile groups');
    expect(OKTA_SCOPE).toBe('openid email profile groups');
    expect(p.pkce).toBe(true);
    expect(providerFrom({ ...okta, okta_scope: 'openid email', okta_client_use_pkce: 'false' }, quiet)).toMatchObject({ scope: 'openid email', pkce: false });
  });

  it('precedence as in LiteLLM: Google, then Microsoft, then GENERIC_CLIENT_ID, then Okta', () => {
    const generic = { generic_client_id: 'g', generic_client_secret: 's', generic_issuer: 'https://idp.example.test' };
    expect(providerFrom({ ...okta, ...generic }, quiet)!.kind).toBe('generic');
    expect(providerFrom({ ...okta, microsoft_client_id: 'm', microsoft_client_secret: 's', microsoft_tenant: 't' }, quiet)!.kind).toBe('microsoft');
    expect(providerFrom({ ...okta, google_client_id: 'go', google_client_secret: 's' }, quiet)!.kind).toBe('google');
  });

  it('a client without a secret is allowed only with PKCE; without OKTA_ISSUER every endpoint must be set', () => {
    expect(providerFrom({ okta_client_id: 'okta-id', okta_issuer: 'https://acme.okta.com' }, quiet)!.kind).toBe('okta');
    expect(() => providerFrom({ okta_client_id: 'okta-id', okta_issuer: 'https://acme.okta.com', okta_client_use_pkce: false }, quiet)).toThrow('OKTA_CLIENT_SECRET not set. Set it in .env file');
    expect(() => providerFrom({ okta_client_id: 'okta-id', okta_client_secret: 's' }, quiet)).toThrow('OKTA_ISSUER not set. Set it in .env file');
    expect(() => providerFrom({ okta_client_id: 'okta-id', okta_client_secret: 's', okta_authorization_endpoint: 'https://acme.okta.com/oauth2/v1/authorize' }, quiet)).toThrow('OKTA_ISSUER not set');
    const explicit = providerFrom(
      {
        okta_client_id: 'okta-id',
        okta_client_secret: 's',
        okta_authorization_endpoint: 'https://acme.okta.com/oauth2/v1/authorize',
        okta_token_endpoint: 'https://acme.okta.com/oauth2/v1/token',
        okta_userinfo_endpoint: 'https://acme.okta.com/oauth2/v1/userinfo',
      },
      quiet,
    );
    expect(explicit!.kind).toBe('okta');
  });

  describe('discovery first, else the derived endpoints; OKTA_*_ENDPOINT overrides win', () => {
    let noDiscovery: Server;
    let noDiscoveryUrl: string;
    const served: string[] = [];

    beforeAll(async () => {
      noDiscovery = createServer((req, res) => {
        served.push(req.url ?? '');
        res.statusCode = 404;
        res.end('not found');
      });
      await new Promise<void>((resolve) => noDiscovery.listen(0, '127.0.0.1', resolve));
      noDiscoveryUrl = `http://127.0.0.1:${(noDiscovery.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => noDiscovery.close(() => resolve())));

    it('an issuer with no discovery document: the derived endpoints, explicit ones on top', async () => {
      const warnings: string[] = [];
      const issuer = `${noDiscoveryUrl}/oauth2/default`;
      const p = providerFrom({ okta_client_id: 'okta-id', okta_client_secret: 's', okta_issuer: issuer, okta_token_endpoint: 'http://127.0.0.1:1/custom/token' }, (m) => warnings.push(m))!;
      const meta = (await p.configuration()).serverMetadata();
      expect(served).toContain('/oauth2/default/.well-known/openid-configuration');
      expect(meta.issuer).toBe(issuer);
      expect(meta.authorization_endpoint).toBe(`${issuer}/v1/authorize`);
      expect(meta.userinfo_endpoint).toBe(`${issuer}/v1/userinfo`);
      expect(meta.token_endpoint).toBe('http://127.0.0.1:1/custom/token');
      expect(warnings.join('\n')).toMatch(/no OpenID discovery document at OKTA_ISSUER/);
    });

    it('an issuer that cannot be reached: no guessing, the login fails and discovery is retried next time', async () => {
      // A port nothing listens on: a closed server's.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const p = providerFrom({ okta_client_id: 'okta-id', okta_client_secret: 's', okta_issuer: `http://127.0.0.1:${port}/oauth2/default` }, quiet)!;
      await expect(p.configuration()).rejects.toThrow();
    });
  });
});

const config = {
  model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
  general_settings: { master_key: MASTER_KEY },
} as SluiceConfig;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

async function call(gw: TestGateway, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function cookieValues(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';')[0]!;
    out[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  }
  return out;
}

/** Gateway → issuer (login and consent as `login`) → gateway callback: the authorize URL and the callback's answer. */
async function oktaLogin(gw: TestGateway, login: string): Promise<{ authorize: URL; answer: Answer }> {
  const start = await call(gw, '/sso/key/generate');
  expect(start.status, start.text).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  const browser = start.headers.getSetCookie().find((l) => l.startsWith('sluice_sso_login='))!.split(';')[0]!;
  const back = await signInAtIssuer(authorize.href, login, `${gw.url}/sso/callback`, new CookieJar());
  const answer = await call(gw, back.slice(gw.url.length), { headers: { cookie: browser } });
  return { authorize, answer };
}

async function userInfo(gw: TestGateway, session: string): Promise<Json> {
  const info = await call(gw, '/user/info', { headers: { cookie: `sluice_session=${session}` } });
  expect(info.status, info.text).toBe(200);
  return info.json;
}

const accounts = {
  olivia: { sub: '00u1olivia', preferred_username: 'olivia@example.com', email: 'olivia@example.com', name: 'Olivia Okta', given_name: 'Olivia', family_name: 'Okta', groups: ['litellm-admins'] },
  oscar: { sub: '00u2oscar', preferred_username: 'oscar@example.com', email: 'oscar@example.com', name: 'Oscar Okta', given_name: 'Oscar', family_name: 'Okta', groups: ['litellm-users'] },
};

const OKTA_ROUTES = { authorization: '/oauth2/v1/authorize', token: '/oauth2/v1/token', userinfo: '/oauth2/v1/userinfo', jwks: '/oauth2/v1/keys' };

describe('Okta-configured gateways sign in against a real OIDC issuer', () => {
  /** Serves discovery at its issuer (oidc-provider's own endpoint paths). */
  let discovering: Issuer;
  /** Okta's org-server layout, no discovery document: only the derived endpoints reach it. */
  let oktaLayout: Issuer;
  /** OKTA_CLIENT_ID + OKTA_CLIENT_SECRET + OKTA_ISSUER, as LiteLLM's okta_jwt_auth_config.yaml. */
  let gw: TestGateway;
  /** A public client (no OKTA_CLIENT_SECRET, PKCE) at the issuer without discovery. */
  let gwDerived: TestGateway;

  beforeAll(async () => {
    discovering = await startIssuer();
    oktaLayout = await startIssuer({ routes: OKTA_ROUTES, discovery: false });
    const roles = {
      GENERIC_ROLE_MAPPINGS_GROUP_CLAIM: 'groups',
      GENERIC_ROLE_MAPPINGS_ROLES: "{'proxy_admin': ['litellm-admins'], 'internal_user': ['litellm-users']}",
    };
    gw = await startGateway(config, {
      env: { OKTA_CLIENT_ID: CLIENT_ID, OKTA_CLIENT_SECRET: CLIENT_SECRET, OKTA_ISSUER: discovering.url, OKTA_SCOPE: 'openid email profile groups', OKTA_CLIENT_USE_PKCE: 'true', ...roles },
    });
    gwDerived = await startGateway(config, { env: { OKTA_CLIENT_ID: PUBLIC_CLIENT_ID, OKTA_ISSUER: oktaLayout.url, ...roles } });
    discovering.configure([`${gw.url}/sso/callback`], accounts);
    oktaLayout.configure([`${gwDerived.url}/sso/callback`], accounts);
  }, 60_000);

  afterAll(async () => {
    if (process.env.SSO_DEBUG_LOGS) for (const l of [...(gw?.logs ?? []), ...(gwDerived?.logs ?? [])]) if (/"level":(50|40)/.test(l)) console.log(l.slice(0, 1500));
    await gw?.close();
    await gwDerived?.close();
    await discovering?.close();
    await oktaLayout?.close();
  });

  it('OKTA_ISSUER with discovery: a login completes, mapped with the Okta claim names', async () => {
    const { authorize, answer } = await oktaLogin(gw, 'olivia');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${discovering.url}/auth`);
    expect(authorize.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.searchParams.get('scope')).toBe('openid email profile groups');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(answer.status, answer.text).toBe(303);
    expect(answer.headers.get('location')).toBe('/ui/?login=success');
    const session = cookieValues(answer.headers).sluice_session!;
    expect(session).toMatch(/^sk-/);
    const info = await userInfo(gw, session);
    // Okta: `sub` is the user id, `name` the alias, the issuer the auth provider.
    expect(info.user_id).toBe('00u1olivia');
    expect(info.user_info.user_email).toBe('olivia@example.com');
    expect(info.user_info.user_alias).toBe('Olivia Okta');
    expect(info.user_info.metadata).toMatchObject({ auth_provider: discovering.url });
    // The `groups` scope feeds GENERIC_ROLE_MAPPINGS_*.
    expect(info.user_info.user_role).toBe('proxy_admin');
  });

  it('no discovery document: the endpoints derived from OKTA_ISSUER carry a public PKCE client through a login', async () => {
    const { authorize, answer } = await oktaLogin(gwDerived, 'oscar');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${oktaLayout.url}/oauth2/v1/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(PUBLIC_CLIENT_ID);
    expect(authorize.searchParams.get('scope')).toBe('openid email profile groups');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.status, answer.text).toBe(303);
    const info = await userInfo(gwDerived, cookieValues(answer.headers).sluice_session!);
    expect(info.user_id).toBe('00u2oscar');
    expect(info.user_info.user_email).toBe('oscar@example.com');
    expect(info.user_info.user_role).toBe('internal_user');
    expect(gwDerived.logs.join('\n')).toMatch(/no OpenID discovery document at OKTA_ISSUER/);
  });
});
