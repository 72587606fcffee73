/**
 * SAML 2.0 login end to end against a real IdP (samlify, IdP role, signing with an RSA key) on
 * loopback: the gateway's AuthnRequest is parsed by the IdP, the IdP's signed Response is posted to
 * the ACS, the session cookie it answers drives the management API. Then every refusal: unsigned,
 * signed only at the Response, signed by another key, tampered, wrong audience / recipient /
 * destination / issuer, expired (past the clock skew), replayed, unknown or reused InResponseTo,
 * a disallowed email domain. And across two instances sharing Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends } from '../../../test/support/backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { mapIdentity } from '../src/identity-mapping.js';
import { IDP_CERT, readAutoPostForm, SP_CERT, SP_KEY, TestIdp, type ResponseOptions, type TestUser } from './saml-idp.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const BASE = 'http://gateway.example.test';
const ACS = `${BASE}/sso/saml/acs`;
const ALICE: TestUser = {
  nameId: 'alice@example.com',
  attributes: { email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell', groups: ['engineering', 'llm-admins'] },
};
const BOB: TestUser = { nameId: 'bob@example.com', attributes: { email: 'bob@example.com' } };

function samlConfig(idpSsoUrl: string, idp: TestIdp, extra: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: [
      {
        use: 'auth-sso-saml',
        config: {
          idp_sso_url: idpSsoUrl,
          idp_entity_id: idp.entityId,
          idp_cert: IDP_CERT,
          proxy_base_url: BASE,
          allowed_email_domains: 'example.com',
          role_mappings: { 'llm-admins': 'proxy_admin' },
          team_mappings: { engineering: 'team-eng' },
          ...extra,
        },
      },
    ],
  } as SluiceConfig;
}

async function send(gw: TestGateway, method: string, path: string, opts: { body?: unknown; key?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: {
      ...(opts.key !== undefined && { authorization: `Bearer ${opts.key}` }),
      ...(opts.body !== undefined && { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    redirect: 'manual',
  });
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** POSTs the IdP's form to the gateway's ACS, as the browser would. */
async function acs(gw: TestGateway, fields: Record<string, string>) {
  const res = await fetch(`${gw.url}/sso/saml/acs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, text, json: (text.startsWith('{') ? JSON.parse(text) : undefined) as Json, headers: res.headers };
}

/** `name=value` of each Set-Cookie. */
function cookiesOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = decodeURIComponent(pair!.slice(eq + 1));
  }
  return out;
}

function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('; ');
}

describe('auth-sso-saml against a samlify IdP', () => {
  const idp = new TestIdp();
  let gw: TestGateway;
  let metadata = '';

  /** A fresh AuthnRequest from the gateway, as the IdP receives it. */
  async function newRequest(target: TestGateway = gw) {
    const start = await send(target, 'GET', '/sso/saml/login');
    expect(start.status).toBe(302);
    return idp.parseAuthnRequest(metadata, start.headers.get('location')!);
  }

  async function answer(user: TestUser, options: ResponseOptions = {}, target: TestGateway = gw) {
    const request = await newRequest(target);
    return acs(target, { SAMLResponse: await idp.respond(metadata, request, user, options) });
  }

  function expectRefused(res: { status: number; json: Json; text: string; headers: Headers }, reason: RegExp) {
    expect(res.status, res.text).toBe(401);
    expect(res.json.error.type).toBe('auth_error');
    expect(res.json.error.code).toBe('401');
    expect(res.json.error.param).toBe('saml_response');
    expect(res.json.error.message).toMatch(/^SAML authentication failed: /);
    expect(res.json.error.message).toMatch(reason);
    expect(res.headers.getSetCookie()).toEqual([]);
  }

  beforeAll(async () => {
    const ssoUrl = await idp.listen(() => metadata);
    gw = await startGateway(samlConfig(ssoUrl, idp));
    const res = await send(gw, 'GET', '/sso/saml/metadata');
    expect(res.status).toBe(200);
    metadata = res.text;
    const team = await send(gw, 'POST', '/team/new', { key: MASTER_KEY, body: { team_id: 'team-eng', team_alias: 'Engineering' } });
    expect(team.status, team.text).toBe(200);
  });

  afterAll(async () => {
    await gw?.close();
    await idp.close();
  });

  it('publishes SP metadata: entity ID, ACS (HTTP-POST), signed assertions wanted', () => {
    expect(metadata).toContain(`entityID="${BASE}/sso/saml/metadata"`);
    expect(metadata).toContain('WantAssertionsSigned="true"');
    expect(metadata).toMatch(new RegExp(`AssertionConsumerService[^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="${ACS}"`));
    expect(metadata).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
  });

  it('signs a user in end to end: login → IdP form → ACS → session cookie that works on management routes', async () => {
    idp.user = ALICE;
    const start = await send(gw, 'GET', '/sso/saml/login?redirect=/ui/keys');
    expect(start.status).toBe(302);
    const location = start.headers.get('location')!;
    expect(location.startsWith(`${await idpSso()}?SAMLRequest=`)).toBe(true);
    // The browser follows the redirect to the IdP, which answers its auto-posting form.
    const page = await fetch(location);
    expect(page.status, await page.clone().text()).toBe(200);
    const form = readAutoPostForm(await page.text());
    expect(form.action).toBe(ACS);
    expect(form.fields.RelayState).toBe('/ui/keys');

    const res = await acs(gw, form.fields);
    expect(res.status, `${res.text}\n${gw.logs.filter((l) => /"level":50/.test(l)).slice(-3).join('\n')}`).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/keys');
    const setCookies = res.headers.getSetCookie();
    expect(setCookies.find((c) => c.startsWith('sluice_session='))).toMatch(/HttpOnly/);
    expect(setCookies.find((c) => c.startsWith('sluice_session='))).toMatch(/SameSite=Lax/);
    const cookies = cookiesOf(res.headers);
    expect(cookies.sluice_session).toMatch(/^sk-/);
    expect(cookies.sluice_csrf).toBeTruthy();

    // The user was created with the mapped role and team.
    const info = await send(gw, 'GET', `/user/info?user_id=${encodeURIComponent('alice@example.com')}`, { key: MASTER_KEY });
    expect(info.status, info.text).toBe(200);
    expect(info.json.user_info.user_role).toBe('proxy_admin');
    expect(info.json.user_info.user_email).toBe('alice@example.com');
    expect(info.json.user_info.teams).toContain('team-eng');

    // The session cookie authenticates management calls; state-changing ones need the CSRF header.
    const read = await send(gw, 'GET', `/user/info?user_id=${encodeURIComponent('alice@example.com')}`, { headers: { cookie: cookieHeader(cookies) } });
    expect(read.status, read.text).toBe(200);
    const noCsrf = await send(gw, 'POST', '/key/generate', { body: { key_alias: 'from-ui' }, headers: { cookie: cookieHeader(cookies) } });
    expect(noCsrf.status, noCsrf.text).toBe(403);
    const made = await send(gw, 'POST', '/key/generate', {
      body: { key_alias: 'from-ui' },
      headers: { cookie: cookieHeader(cookies), 'x-sluice-csrf': cookies.sluice_csrf! },
    });
    expect(made.status, made.text).toBe(200);
    expect(made.json.key).toMatch(/^sk-/);
  });

  async function idpSso(): Promise<string> {
    const start = await send(gw, 'GET', '/sso/saml/login');
    return start.headers.get('location')!.split('?')[0]!;
  }

  it('a second login of the same user finds it (no duplicate) and keeps the stored role without a mapping', async () => {
    const first = await answer(BOB);
    expect(first.status, first.text).toBe(303);
    const second = await answer(BOB);
    expect(second.status, second.text).toBe(303);
    const info = await send(gw, 'GET', `/user/info?user_id=${encodeURIComponent('bob@example.com')}`, { key: MASTER_KEY });
    expect(info.status, info.text).toBe(200);
    // LiteLLM: an SSO user created without a role is a viewer.
    expect(info.json.user_info.user_role).toBe('internal_user_viewer');
    expect(cookiesOf(first.headers).sluice_session).not.toBe(cookiesOf(second.headers).sluice_session);
  });

  it('follows a RelayState only when it is a path on this gateway', async () => {
    for (const relay of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const request = await newRequest();
      const res = await acs(gw, { SAMLResponse: await idp.respond(metadata, request, BOB), RelayState: relay });
      expect(res.status, res.text).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/');
    }
    const start = await send(gw, 'GET', `/sso/saml/login?redirect=${encodeURIComponent('https://evil.example/')}`);
    expect((await idp.parseAuthnRequest(metadata, start.headers.get('location')!)).relayState).toBe('/ui/');
  });

  it('refuses an unsigned response', async () => {
    expectRefused(await answer(ALICE, { sign: 'none' }), /Invalid signature/);
  });

  it('refuses a response whose assertion is not signed (only the Response is)', async () => {
    expectRefused(await answer(ALICE, { sign: 'response' }), /Invalid signature/);
  });

  it('refuses an assertion signed by another key (with its own certificate embedded)', async () => {
    expectRefused(await answer(ALICE, { rogueKey: true }), /Invalid signature/);
  });

  it('refuses a signed assertion altered after signing', async () => {
    const request = await newRequest();
    const genuine = Buffer.from(await idp.respond(metadata, request, BOB), 'base64').toString('utf8');
    const forged = genuine.replaceAll('bob@example.com', 'alice@example.com');
    expect(forged).not.toBe(genuine);
    expectRefused(await acs(gw, { SAMLResponse: Buffer.from(forged).toString('base64') }), /Invalid signature/);
  });

  it('refuses an assertion for another audience', async () => {
    expectRefused(await answer(ALICE, { tags: { Audience: 'https://other-sp.example/metadata' } }), /audience mismatch/);
  });

  it('refuses an assertion whose bearer confirmation names another recipient', async () => {
    expectRefused(await answer(ALICE, { tags: { SubjectRecipient: 'https://other-sp.example/sso/saml/acs' } }), /Recipient "https:\/\/other-sp\.example\/sso\/saml\/acs" is not this service provider's ACS URL/);
  });

  it('refuses a response sent to another destination', async () => {
    expectRefused(await answer(ALICE, { tags: { Destination: 'https://other-sp.example/acs' } }), /Response Destination/);
  });

  it('refuses an assertion from another issuer than the configured IdP', async () => {
    expectRefused(await answer(ALICE, { tags: { Issuer: 'https://rogue-idp.example/metadata' } }), /assertion Issuer "https:\/\/rogue-idp\.example\/metadata" is not the configured IdP/);
  });

  it('refuses an expired assertion (past the clock skew), accepts one within it', async () => {
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    // The bearer confirmation expired 2 minutes ago (skew 60 s).
    expectRefused(
      await answer(ALICE, { tags: { IssueInstant: past(600_000), ConditionsNotBefore: past(600_000), SubjectConfirmationDataNotOnOrAfter: past(120_000) } }),
      /No valid subject confirmation|expired/,
    );
    // The conditions expired 2 minutes ago.
    expectRefused(
      await answer(ALICE, { tags: { IssueInstant: past(600_000), ConditionsNotBefore: past(600_000), ConditionsNotOnOrAfter: past(120_000) } }),
      /expired/,
    );
    // Not valid before 2 minutes from now.
    expectRefused(await answer(ALICE, { tags: { ConditionsNotBefore: new Date(Date.now() + 120_000).toISOString() } }), /not yet valid/);
    // 20 s past its end: within the 60 s skew.
    const skewed = await answer(BOB, {
      tags: { IssueInstant: past(300_000), ConditionsNotBefore: past(300_000), ConditionsNotOnOrAfter: past(20_000), SubjectConfirmationDataNotOnOrAfter: past(20_000) },
    });
    expect(skewed.status, skewed.text).toBe(303);
  });

  it('refuses a replayed assertion (the same response posted twice)', async () => {
    const request = await newRequest();
    const samlResponse = await idp.respond(metadata, request, BOB);
    const first = await acs(gw, { SAMLResponse: samlResponse });
    expect(first.status, first.text).toBe(303);
    expectRefused(await acs(gw, { SAMLResponse: samlResponse }), /already used \(replayed\)/);
  });

  it('refuses a response to a request this gateway did not issue, and a second answer to one it did', async () => {
    expectRefused(await answer(ALICE, { tags: { InResponseTo: '_never-issued-by-the-gateway' } }), /InResponseTo is not valid/);
    const request = await newRequest();
    const first = await acs(gw, { SAMLResponse: await idp.respond(metadata, request, BOB) });
    expect(first.status, first.text).toBe(303);
    // A different, validly signed assertion answering the same request.
    expectRefused(await acs(gw, { SAMLResponse: await idp.respond(metadata, request, BOB) }), /already answered/);
  });

  it('refuses a signed assertion bound to no request (unsolicited / InResponseTo only outside the signature)', async () => {
    const request = await newRequest();
    const genuine = Buffer.from(await idp.respond(metadata, request, BOB), 'base64').toString('utf8');
    // Strip the signed SubjectConfirmationData InResponseTo: the signature breaks, so it is refused either way.
    const stripped = genuine.replace(/(<saml:SubjectConfirmationData[^>]*?) InResponseTo="[^"]*"/, '$1');
    expect(stripped).not.toBe(genuine);
    expectRefused(await acs(gw, { SAMLResponse: Buffer.from(stripped).toString('base64') }), /Invalid signature/);
  });

  it('refuses a user whose email domain is not allowed (LiteLLM message)', async () => {
    const res = await answer({ nameId: 'mallory@evil.example', attributes: { email: 'mallory@evil.example' } });
    expect(res.status, res.text).toBe(401);
    expect(res.json.error.message).toBe("The email domain=evil.example, is not an allowed email domain=['example.com']. Contact your admin to change this.");
    const info = await send(gw, 'GET', `/user/info?user_id=${encodeURIComponent('mallory@evil.example')}`, { key: MASTER_KEY });
    expect(info.status).toBe(404);
  });

  it('refuses a non-form body at the ACS', async () => {
    const res = await send(gw, 'POST', '/sso/saml/acs', { body: { SAMLResponse: 'x' } });
    expect(res.status, res.text).toBe(400);
    const garbage = await acs(gw, { SAMLResponse: Buffer.from('<not-xml').toString('base64') });
    expect(garbage.status, garbage.text).toBe(401);
  });
});

describe('auth-sso-saml free SSO users (LiteLLM: 5 without a license)', () => {
  const idp = new TestIdp();
  let gw: TestGateway;
  let metadata = '';

  beforeAll(async () => {
    const ssoUrl = await idp.listen(() => metadata);
    gw = await startGateway(samlConfig(ssoUrl, idp, { free_sso_users: 2 }));
    metadata = (await send(gw, 'GET', '/sso/saml/metadata')).text;
  });

  afterAll(async () => {
    await gw?.close();
    await idp.close();
  });

  async function login(user: TestUser) {
    const request = await idp.parseAuthnRequest(metadata, (await send(gw, 'GET', '/sso/saml/login')).headers.get('location')!);
    const res = await acs(gw, { SAMLResponse: await idp.respond(metadata, request, user) });
    expect(res.status, res.text).toBe(303);
  }
  const person = (name: string): TestUser => ({ nameId: `${name}@example.com`, attributes: { email: `${name}@example.com` } });
  const warnings = () => gw.logs.filter((l) => l.includes('SSO is free for up to 2 users without a license'));

  it('counts distinct users: repeat logins count once; each new user past the free tier is warned about', async () => {
    await login(person('ann'));
    await login(person('ben'));
    await login(person('ann'));
    await login(person('ben'));
    expect(warnings()).toEqual([]);
    await login(person('cat'));
    await login(person('cat'));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('"sso_users":3');
    await login(person('dan'));
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toContain('"sso_users":4');
  });
});

describe('auth-sso-saml with LiteLLM environment variables', () => {
  it('is enabled and configured by SAML_IDP_SSO_URL, SAML_IDP_X509_CERT, SAML_IDP_ENTITY_ID, PROXY_BASE_URL, SAML_ENTITY_ID', async () => {
    const gw = await startGateway(
      { model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }], general_settings: { master_key: MASTER_KEY } } as SluiceConfig,
      {
        env: {
          SAML_IDP_SSO_URL: 'https://idp.example.test/sso',
          SAML_IDP_X509_CERT: IDP_CERT.replace(/-----[A-Z ]+-----|\s/g, ''),
          SAML_IDP_ENTITY_ID: 'https://idp.example.test/metadata',
          PROXY_BASE_URL: 'https://llm.example.test',
          SAML_ENTITY_ID: 'litellm-proxy',
        },
      },
    );
    try {
      const res = await send(gw, 'GET', '/sso/saml/metadata');
      expect(res.status, res.text).toBe(200);
      expect(res.text).toContain('entityID="litellm-proxy"');
      expect(res.text).toContain('Location="https://llm.example.test/sso/saml/acs"');
      const start = await send(gw, 'GET', '/sso/saml/login');
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toMatch(/^https:\/\/idp\.example\.test\/sso\?SAMLRequest=/);
      // Behind https (PROXY_BASE_URL), the session cookies are Secure.
      const idp = new TestIdp();
      const request = await idp.parseAuthnRequest(res.text, start.headers.get('location')!);
      const login = await acs(gw, { SAMLResponse: await idp.respond(res.text, request, BOB) });
      expect(login.status, login.text).toBe(303);
      const cookies = login.headers.getSetCookie();
      expect(cookies.length).toBe(2);
      for (const c of cookies) expect(c).toMatch(/; Secure/);
    } finally {
      await gw.close();
    }
  });

  it('is off without them', async () => {
    const gw = await startGateway({ model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }], general_settings: { master_key: MASTER_KEY } } as SluiceConfig, {
      env: { SAML_IDP_SSO_URL: '', SAML_IDP_METADATA_URL: '' },
    });
    try {
      expect((await send(gw, 'GET', '/sso/saml/metadata')).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});

describe('auth-sso-saml with ui_access_mode: admin_only and default_internal_user_params', () => {
  const idp = new TestIdp();
  let gw: TestGateway;
  let metadata = '';

  beforeAll(async () => {
    const ssoUrl = await idp.listen(() => metadata);
    const config = samlConfig(ssoUrl, idp);
    gw = await startGateway({
      ...config,
      general_settings: { ...config.general_settings, ui_access_mode: 'admin_only' },
      litellm_settings: { default_internal_user_params: { max_budget: 7 } },
    } as SluiceConfig);
    metadata = (await send(gw, 'GET', '/sso/saml/metadata')).text;
  });

  afterAll(async () => {
    await gw?.close();
    await idp.close();
  });

  async function login(user: TestUser) {
    const request = await idp.parseAuthnRequest(metadata, (await send(gw, 'GET', '/sso/saml/login')).headers.get('location')!);
    return acs(gw, { SAMLResponse: await idp.respond(metadata, request, user) });
  }

  it('admits an admin (created with the default params) and refuses a non-admin with LiteLLM\'s message', async () => {
    const admin = await login(ALICE);
    expect(admin.status, admin.text).toBe(303);
    const info = await send(gw, 'GET', `/user/info?user_id=${encodeURIComponent('alice@example.com')}`, { key: MASTER_KEY });
    expect(info.json.user_info.max_budget).toBe(7);
    const viewer = await login(BOB);
    expect(viewer.status, viewer.text).toBe(401);
    expect(viewer.json.error.message).toBe('User not allowed to access proxy. User role=internal_user_viewer, proxy mode=admin_only');
    expect(viewer.headers.getSetCookie()).toEqual([]);
  });
});

describe('auth-sso-saml config errors', () => {
  it('refuses to start without the IdP certificate, naming LiteLLM\'s variable', async () => {
    await expect(
      startGateway({
        model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'auth-sso-saml', config: { idp_sso_url: 'https://idp.example.test/sso', proxy_base_url: BASE } }],
      } as SluiceConfig),
    ).rejects.toThrow(/SAML_IDP_X509_CERT not set/);
  });
});

describe('auth-sso-saml signing its AuthnRequests (SAML_SP_PRIVATE_KEY, SAML_SP_X509_CERT)', () => {
  const idp = new TestIdp();
  let gw: TestGateway;
  let metadata = '';

  beforeAll(async () => {
    const ssoUrl = await idp.listen(() => metadata);
    gw = await startGateway(samlConfig(ssoUrl, idp, { sp_private_key: SP_KEY, sp_cert: SP_CERT }));
    metadata = (await send(gw, 'GET', '/sso/saml/metadata')).text;
  });

  afterAll(async () => {
    await gw?.close();
    await idp.close();
  });

  it('publishes the signing certificate and the IdP verifies the request signature', async () => {
    expect(metadata).toContain('AuthnRequestsSigned="true"');
    expect(metadata).toContain(SP_CERT.replace(/-----[A-Z ]+-----|\s/g, '').slice(0, 64));
    idp.requireSignedRequests = true;
    const location = (await send(gw, 'GET', '/sso/saml/login')).headers.get('location')!;
    expect(location).toMatch(/[?&]SigAlg=.*[?&]Signature=/);
    const request = await idp.parseAuthnRequest(metadata, location);
    const ok = await acs(gw, { SAMLResponse: await idp.respond(metadata, request, BOB) });
    expect(ok.status, ok.text).toBe(303);
    // A tampered request (another RelayState) no longer verifies at the IdP.
    await expect(idp.parseAuthnRequest(metadata, location.replace(/RelayState=[^&]*/, 'RelayState=%2Fui%2Fother'))).rejects.toThrow();
  });
});

describe('auth-sso-saml configured from the IdP metadata URL (SAML_IDP_METADATA_URL)', () => {
  const idp = new TestIdp('https://idp-from-metadata.example.test/metadata');
  let gw: TestGateway;
  let metadata = '';

  beforeAll(async () => {
    await idp.listen(() => metadata);
    gw = await startGateway(
      { model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }], general_settings: { master_key: MASTER_KEY } } as SluiceConfig,
      { env: { SAML_IDP_METADATA_URL: idp.metadataUrl, PROXY_BASE_URL: BASE, ALLOWED_EMAIL_DOMAINS: 'example.com' } },
    );
    metadata = (await send(gw, 'GET', '/sso/saml/metadata')).text;
  });

  afterAll(async () => {
    await gw?.close();
    await idp.close();
  });

  it("reads the SSO URL, entity ID and signing certificate from the IdP's metadata and signs in", async () => {
    expect(idp.metadataReads).toBe(0); // read on first need, not at start
    const start = await send(gw, 'GET', '/sso/saml/login');
    expect(start.status, start.text).toBe(302);
    expect(start.headers.get('location')!.startsWith(idp.metadataUrl.replace('/metadata', '/sso?SAMLRequest='))).toBe(true);
    expect(idp.metadataReads).toBe(1);
    const request = await idp.parseAuthnRequest(metadata, start.headers.get('location')!);
    const ok = await acs(gw, { SAMLResponse: await idp.respond(metadata, request, BOB) });
    expect(ok.status, ok.text).toBe(303);
    // The certificate from the metadata is the only one trusted; the issuer must be the metadata's entity ID.
    const rogue = await idp.parseAuthnRequest(metadata, (await send(gw, 'GET', '/sso/saml/login')).headers.get('location')!);
    const refused = await acs(gw, { SAMLResponse: await idp.respond(metadata, rogue, BOB, { rogueKey: true }) });
    expect(refused.status).toBe(401);
    const otherIssuer = await idp.parseAuthnRequest(metadata, (await send(gw, 'GET', '/sso/saml/login')).headers.get('location')!);
    const wrongIssuer = await acs(gw, { SAMLResponse: await idp.respond(metadata, otherIssuer, BOB, { tags: { Issuer: 'https://elsewhere.example/metadata' } }) });
    expect(wrongIssuer.status).toBe(401);
    expect(wrongIssuer.json.error.message).toMatch(/is not the configured IdP/);
    expect(idp.metadataReads).toBe(1);
  });

  it('serves the SP metadata and answers 503 on login while the IdP metadata cannot be read', async () => {
    const down = await startGateway(
      { model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }], general_settings: { master_key: MASTER_KEY } } as SluiceConfig,
      { env: { SAML_IDP_METADATA_URL: 'http://127.0.0.1:9/metadata', PROXY_BASE_URL: BASE } },
    );
    try {
      expect((await send(down, 'GET', '/sso/saml/metadata')).status).toBe(200);
      const start = await send(down, 'GET', '/sso/saml/login');
      expect(start.status, start.text).toBe(503);
      expect(start.json.error.message).toMatch(/^SAML IdP metadata unavailable: /);
    } finally {
      await down.close();
    }
  });
});

describe.skipIf(backends.redis === undefined)(`auth-sso-saml across two instances sharing Redis${backends.redis ? '' : ` (skipped: ${backends.skipReason.redis})`}`, () => {
  const idp = new TestIdp();
  let a: TestGateway;
  let b: TestGateway;
  let metadata = '';

  beforeAll(async () => {
    const ssoUrl = await idp.listen(() => metadata);
    const env = { REDIS_URL: backends.redis! };
    a = await startGateway(samlConfig(ssoUrl, idp), { env });
    b = await startGateway(samlConfig(ssoUrl, idp), { env });
    metadata = (await send(a, 'GET', '/sso/saml/metadata')).text;
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await idp.close();
  });

  it('takes the answer to a request issued by the other instance, and refuses its replay on the first', async () => {
    const start = await send(a, 'GET', '/sso/saml/login');
    const request = await idp.parseAuthnRequest(metadata, start.headers.get('location')!);
    const samlResponse = await idp.respond(metadata, request, BOB);
    const onB = await acs(b, { SAMLResponse: samlResponse });
    expect(onB.status, onB.text).toBe(303);
    const replayOnA = await acs(a, { SAMLResponse: samlResponse });
    expect(replayOnA.status, replayOnA.text).toBe(401);
    expect(replayOnA.json.error.message).toMatch(/already used \(replayed\)/);
  });
});

describe('attribute mapping', () => {
  const login = (attributes: Record<string, string[]>, nameId = 'n-123') => ({ issuer: 'idp', nameId, attributes });

  it("reads Entra's claim names when the configured attributes are absent", () => {
    const id = mapIdentity(
      login({
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['Carol@Example.com'],
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['g-1', 'g-2'],
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['proxy_admin_viewer'],
      }),
      { team_mappings: { 'g-1': 'team-one' }, groups_as_teams: false },
    );
    expect(id).toMatchObject({ userId: 'n-123', email: 'Carol@Example.com', groups: ['g-1', 'g-2'], teams: ['team-one'], role: 'proxy_admin_viewer' });
  });

  it('gives the most privileged mapped role, PROXY_ADMIN_ID wins, and the NameID is the user id fallback', () => {
    const attrs = { email: ['dave@example.com'], groups: ['viewers', 'users'] };
    const config = { role_mappings: { viewers: 'internal_user_viewer', users: 'internal_user' } as const };
    expect(mapIdentity(login(attrs), config).role).toBe('internal_user');
    expect(mapIdentity(login(attrs), config).userId).toBe('n-123');
    expect(mapIdentity(login(attrs), { ...config, user_id_attribute: 'email' }).userId).toBe('dave@example.com');
    expect(mapIdentity(login(attrs), { ...config, proxy_admin_id: 'dave@example.com' }).role).toBe('proxy_admin');
    expect(mapIdentity(login({}), {}).role).toBeUndefined();
  });
});
