/**
 * SSO end to end against a real OIDC issuer (oidc-provider on loopback): the gateway sends the
 * browser to the issuer (authorization code + PKCE + state + nonce), the test signs in through the
 * issuer's own login and consent pages with a cookie jar, the issuer redirects back, and the
 * gateway answers a session cookie that then works on management routes, with its CSRF rule.
 * Refusals: wrong, replayed and expired states, a replayed code, a nonce mismatch, a disallowed
 * email domain. Password login (/login, /fallback/login), its rate limit, and /logout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, signInAtIssuer, startIssuer, type Issuer } from './oidc-issuer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const UI_PASSWORD = 'ui-password-for-tests-42';
const LOGOUT_URL = 'https://idp.example.test/logout';

const accounts = {
  alice: { sub: 'alice-sub', preferred_username: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['admins', 'red-group'] },
  bob: { sub: 'bob-sub', preferred_username: 'bob', email: 'bob@example.com', name: 'Bob', groups: ['staff'], provider: 'corp-ldap' },
  carol: { sub: 'carol-sub', preferred_username: 'carol', email: 'carol@example.com', name: 'Carol', groups: [] },
  mallory: { sub: 'mallory-sub', preferred_username: 'mallory', email: 'mallory@evil.test', name: 'Mallory', groups: ['admins'] },
  dave: { sub: 'dave-sub', preferred_username: 'dave', email: 'dave@example.com', name: 'Dave', groups: [] },
};

function ssoEnv(issuer: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GENERIC_CLIENT_ID: CLIENT_ID,
    GENERIC_CLIENT_SECRET: CLIENT_SECRET,
    GENERIC_AUTHORIZATION_ENDPOINT: `${issuer}/auth`,
    GENERIC_TOKEN_ENDPOINT: `${issuer}/token`,
    GENERIC_USERINFO_ENDPOINT: `${issuer}/me`,
    GENERIC_SCOPE: 'openid email profile groups',
    GENERIC_USER_ID_ATTRIBUTE: 'preferred_username',
    GENERIC_ROLE_MAPPINGS_GROUP_CLAIM: 'groups',
    GENERIC_ROLE_MAPPINGS_ROLES: "{'proxy_admin': ['admins'], 'internal_user': ['staff']}",
    ALLOWED_EMAIL_DOMAINS: 'example.com,example.org',
    PROXY_LOGOUT_URL: LOGOUT_URL,
    ...extra,
  };
}

const gatewayConfig = (pluginConfig: Record<string, unknown>): SluiceConfig =>
  ({
    model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { default_internal_user_params: { user_role: 'internal_user_viewer', max_budget: 7 } },
    plugins: [{ use: 'auth-sso-oidc', config: pluginConfig }],
  }) as SluiceConfig;

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

const admin = (gw: TestGateway, path: string, body?: unknown): Promise<Answer> =>
  call(gw, path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

function cookieValues(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';')[0]!;
    out[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  }
  return out;
}

/** A login started at the gateway: the issuer URL, the state it chose, and the browser cookie binding the login. */
interface Started {
  authorize: URL;
  state: string;
  browser: string;
}

async function startLogin(gw: TestGateway, path = '/sso/key/generate'): Promise<Started> {
  const res = await call(gw, path);
  expect(res.status, res.text).toBe(302);
  const authorize = new URL(res.headers.get('location')!);
  const binding = res.headers.getSetCookie().find((l) => l.startsWith('sluice_sso_login='))!;
  expect(binding).toMatch(/; Path=\/sso\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
  return { authorize, state: authorize.searchParams.get('state')!, browser: binding.split(';')[0]! };
}

/** A whole browser round: gateway → issuer login and consent → the callback URL the issuer sends back (not yet visited), with the browser's cookie. */
async function callbackUrlFor(gw: TestGateway, login: string, path = '/sso/key/generate', callback = '/sso/callback'): Promise<{ url: string; browser: string }> {
  const { authorize, browser } = await startLogin(gw, path);
  return { url: await signInAtIssuer(authorize.href, login, `${gw.url}${callback}`, new CookieJar()), browser };
}

async function visit(gw: TestGateway, back: { url: string; browser?: string }): Promise<Answer> {
  return call(gw, back.url.slice(gw.url.length), back.browser ? { headers: { cookie: back.browser } } : {});
}

async function ssoSession(gw: TestGateway, login: string): Promise<{ session: string; csrf: string; answer: Answer }> {
  const answer = await visit(gw, await callbackUrlFor(gw, login));
  expect(answer.status, answer.text).toBe(303);
  const c = cookieValues(answer.headers);
  return { session: c.sluice_session!, csrf: c.sluice_csrf!, answer };
}

const withSession = (session: string, csrf?: string) => ({ cookie: `sluice_session=${session}${csrf ? `; sluice_csrf=${csrf}` : ''}` });

describe('auth-sso-oidc against a real OIDC issuer', () => {
  let issuer: Issuer;
  let gw: TestGateway;
  /** PKCE off (GENERIC_CLIENT_USE_PKCE=false), no UI_PASSWORD (the master key is the password). */
  let gw2: TestGateway;
  /** Only GENERIC_ISSUER (endpoints discovered), ui_access_mode: admin_only. */
  let gw3: TestGateway;

  beforeAll(async () => {
    issuer = await startIssuer();
    gw = await startGateway(gatewayConfig({ teams_from_groups: { 'red-group': 'team-red' }, login_max_failures: 4, free_sso_users: 3 }), {
      env: { ...ssoEnv(issuer.url), UI_PASSWORD },
    });
    gw2 = await startGateway(gatewayConfig({}), { env: ssoEnv(issuer.url, { GENERIC_CLIENT_USE_PKCE: 'false' }) });
    const discoveryOnly = ssoEnv(issuer.url, { GENERIC_ISSUER: issuer.url });
    for (const name of ['GENERIC_AUTHORIZATION_ENDPOINT', 'GENERIC_TOKEN_ENDPOINT', 'GENERIC_USERINFO_ENDPOINT']) discoveryOnly[name] = '';
    gw3 = await startGateway({ ...gatewayConfig({}), general_settings: { master_key: MASTER_KEY, ui_access_mode: 'admin_only' } } as SluiceConfig, { env: discoveryOnly });
    issuer.configure(
      [gw, gw2, gw3].flatMap((g) => [`${g.url}/sso/callback`, `${g.url}/sso/debug/callback`]),
      accounts,
    );
    const team = await admin(gw, '/team/new', { team_id: 'team-red', team_alias: 'Red' });
    expect(team.status, team.text).toBe(200);
  }, 60_000);

  afterAll(async () => {
    if (process.env.SSO_DEBUG_LOGS) for (const l of gw?.logs ?? []) if (/"level":(50|40)/.test(l)) console.log(l.slice(0, 1500));
    await gw?.close();
    await gw2?.close();
    await gw3?.close();
    await issuer?.close();
  });

  it('starts an authorization code request with PKCE S256, a random state and a nonce', async () => {
    const a = await startLogin(gw);
    const b = await startLogin(gw);
    expect(`${a.authorize.origin}${a.authorize.pathname}`).toBe(`${issuer.url}/auth`);
    const p = a.authorize.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe(CLIENT_ID);
    expect(p.get('redirect_uri')).toBe(`${gw.url}/sso/callback`);
    expect(p.get('scope')).toBe('openid email profile groups');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    expect(a.state.length).toBeGreaterThanOrEqual(32);
    expect(a.state).not.toBe(b.state);
    expect(p.get('nonce')).not.toBe(b.authorize.searchParams.get('nonce'));
  });

  it('signs in through the issuer and lands on session cookies, the key never in the URL', async () => {
    const { session, csrf, answer } = await ssoSession(gw, 'alice');
    expect(answer.headers.get('location')).toBe('/ui/?login=success');
    expect(session).toMatch(/^sk-/);
    expect(answer.headers.get('location')).not.toContain(session);
    expect(answer.text).not.toContain(session);
    const lines = answer.headers.getSetCookie();
    const sessionLine = lines.find((l) => l.startsWith('sluice_session='))!;
    const csrfLine = lines.find((l) => l.startsWith('sluice_csrf='))!;
    expect(sessionLine).toMatch(/; HttpOnly/);
    expect(sessionLine).toMatch(/; SameSite=Lax/);
    expect(sessionLine).toMatch(/; Path=\//);
    expect(sessionLine).toMatch(/Max-Age=86400/);
    // Plain http, no PROXY_BASE_URL: not Secure (a browser would drop a Secure cookie over http).
    expect(sessionLine).not.toMatch(/Secure/);
    expect(csrfLine).not.toMatch(/HttpOnly/);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(lines).toContain('sluice_sso_login=; Path=/sso/; Max-Age=0; HttpOnly; SameSite=Lax');
  });

  it("the session cookie works on management routes as the SSO user, with the IdP's role and teams", async () => {
    const { session } = await ssoSession(gw, 'alice');
    const info = await call(gw, '/user/info', { headers: withSession(session) });
    expect(info.status, info.text).toBe(200);
    expect(info.json.user_id).toBe('alice');
    // groups: admins → proxy_admin (GENERIC_ROLE_MAPPINGS_ROLES)
    expect(info.json.user_info.user_role).toBe('proxy_admin');
    expect(info.json.user_info.user_email).toBe('alice@example.com');
    // red-group → team-red (teams_from_groups), through /team/member_add
    expect(info.json.user_info.teams).toContain('team-red');
    const keys = await call(gw, '/key/list', { headers: withSession(session) });
    expect(keys.status, keys.text).toBe(200);
  });

  it('enforces the CSRF rule on state-changing calls made with the session cookie', async () => {
    const { session, csrf } = await ssoSession(gw, 'alice');
    const body = JSON.stringify({ key_alias: `csrf-test-${Date.now()}` });
    const json = { 'content-type': 'application/json' };
    const noHeader = await call(gw, '/key/generate', { method: 'POST', headers: { ...json, ...withSession(session, csrf) }, body });
    expect(noHeader.status, noHeader.text).toBe(403);
    const wrong = await call(gw, '/key/generate', { method: 'POST', headers: { ...json, ...withSession(session, csrf), 'x-sluice-csrf': 'not-the-token' }, body });
    expect(wrong.status, wrong.text).toBe(403);
    const ok = await call(gw, '/key/generate', { method: 'POST', headers: { ...json, ...withSession(session, csrf), 'x-sluice-csrf': csrf }, body });
    expect(ok.status, ok.text).toBe(200);
  });

  it('creates the user on first login with default_internal_user_params and the mapped role', async () => {
    const before = await admin(gw, '/user/info?user_id=bob');
    expect(before.status).toBe(404);
    const { session } = await ssoSession(gw, 'bob');
    const info = await admin(gw, '/user/info?user_id=bob');
    expect(info.status, info.text).toBe(200);
    // groups: staff → internal_user (mapping wins over default_internal_user_params.user_role)
    expect(info.json.user_info.user_role).toBe('internal_user');
    expect(info.json.user_info.max_budget).toBe(7);
    expect(info.json.user_info.sso_user_id).toBe('bob-sub');
    // GENERIC_USER_PROVIDER_ATTRIBUTE (`provider`) → metadata.auth_provider, as LiteLLM stores it.
    expect(info.json.user_info.metadata).toMatchObject({ auth_provider: 'corp-ldap' });
    // The session key belongs to bob and is marked as a UI session.
    const own = info.json.keys.find((k: Json) => k.metadata?.ui_session === true);
    expect(own?.user_id).toBe('bob');
    expect(session).toMatch(/^sk-/);
  });

  it('a user without a mapped group or role gets default_internal_user_params.user_role', async () => {
    await ssoSession(gw, 'carol');
    const info = await admin(gw, '/user/info?user_id=carol');
    expect(info.json.user_info.user_role).toBe('internal_user_viewer');
  });

  it('refuses a replayed callback (the state is single use)', async () => {
    const back = await callbackUrlFor(gw, 'alice');
    const first = await visit(gw, back);
    expect(first.status, first.text).toBe(303);
    const again = await visit(gw, back);
    expect(again.status).toBe(401);
    expect(again.json.error.code).toBe('401');
    expect(again.json.error.message).toMatch(/state is unknown, expired or already used/);
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a forged state and a callback without state', async () => {
    const back = await callbackUrlFor(gw, 'alice');
    const url = new URL(back.url);
    url.searchParams.set('state', 'forged-state-value-0123456789abcdef');
    const forged = await visit(gw, { url: url.href, browser: back.browser });
    expect(forged.status).toBe(401);
    expect(forged.json.error.param).toBe('state');
    url.searchParams.delete('state');
    const none = await visit(gw, { url: url.href, browser: back.browser });
    expect(none.status).toBe(401);
  });

  it('refuses a callback from a browser that did not start the login (login CSRF)', async () => {
    // An attacker signs in as themself and hands the callback URL to a victim: the victim's
    // browser has no (or another) login cookie, so nobody is logged in and the state is spent.
    const back = await callbackUrlFor(gw, 'alice');
    const victim = await visit(gw, { url: back.url });
    expect(victim.status).toBe(401);
    expect(victim.json.error.message).toBe('SSO login failed: this login was not started in this browser. Start again at /sso/key/generate.');
    expect(victim.headers.getSetCookie()).toEqual([]);
    const otherBrowser = await startLogin(gw);
    const back2 = await callbackUrlFor(gw, 'alice');
    expect((await visit(gw, { url: back2.url, browser: otherBrowser.browser })).status).toBe(401);
    // The attacker's own browser cannot use it afterwards either: the state is single use.
    expect((await visit(gw, back)).status).toBe(401);
  });

  it("refuses a code already used, even under another login's valid state", async () => {
    const back = await callbackUrlFor(gw, 'alice');
    expect((await visit(gw, back)).status).toBe(303);
    const { state, browser } = await startLogin(gw);
    const url = new URL(back.url);
    url.searchParams.set('state', state);
    const replay = await visit(gw, { url: url.href, browser });
    expect(replay.status).toBe(401);
    expect(replay.json.error.message).toBe('SSO login failed: this authorization code was already used.');
  });

  it("refuses an ID token whose nonce is not the login's (code injected into another login)", async () => {
    // gw2 sends no PKCE, so only the nonce binds the code to the login that asked for it.
    const url = new URL((await callbackUrlFor(gw2, 'alice')).url);
    const victim = await startLogin(gw2);
    url.searchParams.set('state', victim.state);
    const injected = await visit(gw2, { url: url.href, browser: victim.browser });
    expect(injected.status, injected.text).toBe(401);
    expect(injected.json.error.message).toMatch(/nonce/);
    expect(injected.headers.getSetCookie()).toEqual([]);
  });

  it('with PKCE, a code redeemed under another login is refused by the issuer (verifier mismatch)', async () => {
    const url = new URL((await callbackUrlFor(gw, 'alice')).url);
    const other = await startLogin(gw);
    url.searchParams.set('state', other.state);
    const res = await visit(gw, { url: url.href, browser: other.browser });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toMatch(/invalid_grant|PKCE|code_verifier/i);
  });

  it("refuses a disallowed email domain with LiteLLM's message and creates nothing", async () => {
    const res = await visit(gw, await callbackUrlFor(gw, 'mallory'));
    expect(res.status).toBe(401);
    expect(res.json.error.message).toBe("The email domain=evil.test, is not an allowed email domain=['example.com', 'example.org']. Contact your admin to change this.");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await admin(gw, '/user/info?user_id=mallory')).status).toBe(404);
  });

  it('passes an error the issuer reports back to the user and burns the state', async () => {
    const { state, browser } = await startLogin(gw);
    const res = await call(gw, `/sso/callback?error=access_denied&error_description=${encodeURIComponent('End-User aborted interaction')}&state=${state}`, { headers: { cookie: browser } });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toBe('SSO login failed: access_denied: End-User aborted interaction');
  });

  it('/sso/debug/login shows the mapped claims without logging in', async () => {
    const res = await visit(gw, await callbackUrlFor(gw, 'bob', '/sso/debug/login', '/sso/debug/callback'));
    expect(res.status, res.text).toBe(200);
    expect(res.json.claims.email).toBe('bob@example.com');
    expect(res.json.mapped.user_id).toBe('bob');
    expect(res.json.mapped.role).toBe('internal_user');
    // Only the spent login cookie is cleared: no session.
    expect(res.headers.getSetCookie()).toEqual(['sluice_sso_login=; Path=/sso/; Max-Age=0; HttpOnly; SameSite=Lax']);
  });

  it('/logout deletes the session key, clears the cookies and goes to PROXY_LOGOUT_URL', async () => {
    const { session, csrf } = await ssoSession(gw, 'dave');
    expect((await call(gw, '/user/info', { headers: withSession(session) })).status).toBe(200);
    const out = await call(gw, '/logout', { headers: withSession(session, csrf) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(LOGOUT_URL);
    const cleared = out.headers.getSetCookie();
    expect(cleared.find((l) => l.startsWith('sluice_session=;'))).toMatch(/Max-Age=0/);
    expect(cleared.find((l) => l.startsWith('sluice_csrf=;'))).toMatch(/Max-Age=0/);
    // The key itself is gone, not only the cookie: replaying the old cookie fails.
    const after = await call(gw, '/user/info', { headers: withSession(session) });
    expect(after.status).toBe(401);
    const asBearer = await call(gw, '/user/info', { headers: { authorization: `Bearer ${session}` } });
    expect(asBearer.status).toBe(401);
  });

  it('with only GENERIC_ISSUER, discovers the endpoints; ui_access_mode admin_only refuses non-admins', async () => {
    const { authorize, browser } = await startLogin(gw3);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${issuer.url}/auth`);
    const admitted = await visit(gw3, { url: await signInAtIssuer(authorize.href, 'alice', `${gw3.url}/sso/callback`), browser });
    expect(admitted.status, admitted.text).toBe(303);
    const refused = await visit(gw3, await callbackUrlFor(gw3, 'carol'));
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toBe('User not allowed to access proxy. User role=internal_user_viewer, proxy mode=admin_only');
    expect(refused.headers.getSetCookie()).toEqual([]);
  });

  it('marks cookies Secure and builds an https redirect URI when PROXY_BASE_URL is https', async () => {
    const tls = await startGateway(gatewayConfig({}), { env: ssoEnv(issuer.url, { PROXY_BASE_URL: 'https://gateway.example.test/' }) });
    try {
      const res = await call(tls, '/sso/key/generate');
      expect(res.status, res.text).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).toBe('https://gateway.example.test/sso/callback');
      expect(res.headers.getSetCookie()[0]).toMatch(/; Secure$/);
      const pw = await call(tls, '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: MASTER_KEY }) });
      expect(pw.status, pw.text).toBe(200);
      expect(pw.headers.getSetCookie().every((l) => l.endsWith('; Secure'))).toBe(true);
    } finally {
      await tls.close();
    }
  });

  it('counts distinct SSO users and warns past the free allowance', () => {
    // alice, bob, carol and dave signed in on gw (free_sso_users: 3); repeat logins count once.
    const warnings = gw.logs.filter((l) => l.includes('SSO is free for up to 3 users without a license'));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain('"sso_users":4');
  });

  describe('password login', () => {
    const form = (username: string, password: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });

    it('/fallback/login serves the form while SSO is on', async () => {
      const page = await call(gw, '/fallback/login');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.text).toContain('action="/login"');
      expect(page.text).toContain('name="password"');
    });

    it('UI_USERNAME (default admin) + UI_PASSWORD signs in as the proxy admin', async () => {
      const res = await call(gw, '/login', form('admin', UI_PASSWORD));
      expect(res.status, res.text).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/?login=success');
      const { sluice_session: session } = cookieValues(res.headers);
      const info = await call(gw, '/user/info', { headers: withSession(session!) });
      expect(info.status, info.text).toBe(200);
      expect(info.json.user_id).toBe('default_user_id');
      expect(info.json.user_info.user_role).toBe('proxy_admin');
      // default_internal_user_params are for SSO-created users, not the admin.
      expect(info.json.user_info.max_budget).toBeNull();
    });

    it.each(['/fallback/login', '/v2/login'])('%s takes JSON and answers JSON (no key in the body)', async (path) => {
      const res = await call(gw, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: UI_PASSWORD }),
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ redirect_url: '/ui/?login=success', user_id: 'default_user_id', user_role: 'proxy_admin' });
      const { sluice_session: session } = cookieValues(res.headers);
      expect(session).toMatch(/^sk-/);
      expect(res.text).not.toContain(session!);
    });

    it('without UI_PASSWORD the master key is the password', async () => {
      const ok = await call(gw2, '/login', form('admin', MASTER_KEY));
      expect(ok.status, ok.text).toBe(303);
      const wrong = await call(gw2, '/login', form('admin', UI_PASSWORD));
      expect(wrong.status).toBe(401);
    });

    it("refuses wrong credentials with LiteLLM's message, then rate-limits the address", async () => {
      const wrongUser = await call(gw, '/login', form('root', UI_PASSWORD));
      expect(wrongUser.status).toBe(401);
      expect(wrongUser.json.error.message).toBe("Invalid credentials used to access UI.\nCheck 'UI_USERNAME', 'UI_PASSWORD' in .env file");
      expect(wrongUser.headers.getSetCookie()).toEqual([]);
      const empty = await call(gw, '/login', form('admin', ''));
      expect(empty.status).toBe(400);
      // login_max_failures: 4 — three more failures reach the limit…
      for (let i = 0; i < 3; i++) expect((await call(gw, '/login', form('admin', `guess-${i}`))).status).toBe(401);
      // …after which even the right password is refused from this address.
      const limited = await call(gw, '/login', form('admin', UI_PASSWORD));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      // Another gateway's counters are its own here (memory counters): gw2 still admits.
      expect((await call(gw2, '/login', form('admin', MASTER_KEY))).status).toBe(303);
    });
  });
});
