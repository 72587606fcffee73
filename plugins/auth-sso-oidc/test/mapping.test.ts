/**
 * The pure parts: LiteLLM's claim mapping (attribute names, role mappings as a Python dict
 * string, the user id fallback), the issuer candidates for discovery, duration strings, and the
 * SDK's UI session cookie helpers.
 */
import { describe, expect, it } from 'vitest';
import { base64url, clearedSessionCookies, isSecureRequest, parseCookies, sessionCookies } from '@sluice/plugin-sdk';
import { genericUser, microsoftUser, parseRoleMappings, pythonList, roleOf, userIdOf } from '../src/claims.js';
import { issuerCandidates, truthy } from '../src/providers.js';
import { durationSeconds } from '../src/index.js';

describe('claim mapping', () => {
  const names = { id: 'preferred_username', email: 'email', displayName: 'sub', firstName: 'first_name', lastName: 'last_name', provider: 'provider' };

  it("maps a generic provider's claims with LiteLLM's default attribute names, dot paths too", () => {
    const u = genericUser({ sub: 's1', preferred_username: 'pat', email: 'pat@x.io', first_name: 'Pat', last_name: 'Lee', provider: 'okta' }, names);
    expect(u).toEqual({ id: 'pat', email: 'pat@x.io', displayName: 's1', firstName: 'Pat', lastName: 'Lee', provider: 'okta', subject: 's1' });
    const nested = genericUser({ sub: 's2', profile: { login: 'deep' } }, { ...names, id: 'profile.login' });
    expect(nested.id).toBe('deep');
  });

  it('user id falls back to first+last name, then the email (LiteLLM)', () => {
    expect(userIdOf({ id: undefined, firstName: 'Ada', lastName: 'Byron', email: 'a@b.c' })).toBe('AdaByron');
    expect(userIdOf({ id: undefined, firstName: undefined, lastName: undefined, email: 'a@b.c' })).toBe('a@b.c');
    expect(userIdOf({ id: undefined, firstName: undefined, lastName: undefined, email: undefined })).toBeUndefined();
  });

  it('Microsoft: oid is the user id, preferred_username the email', () => {
    expect(microsoftUser({ oid: 'o-1', sub: 's', preferred_username: 'u@contoso.com', name: 'U' })).toMatchObject({ id: 'o-1', email: 'u@contoso.com', provider: 'microsoft' });
  });

  it('parses GENERIC_ROLE_MAPPINGS_ROLES as LiteLLM documents it (a Python dict string) and as JSON', () => {
    const py = parseRoleMappings("{'proxy_admin': ['admins'], 'internal_user': ['users', 'staff']}");
    expect(py.get('proxy_admin')).toEqual(['admins']);
    expect(py.get('internal_user')).toEqual(['users', 'staff']);
    expect(parseRoleMappings('{"proxy_admin_viewer": ["auditors"]}').get('proxy_admin_viewer')).toEqual(['auditors']);
    expect(() => parseRoleMappings("{'superuser': ['x']}")).toThrow(/not a role/);
  });

  it('the most privileged mapped role wins; then a role-named claim; then the default role', () => {
    const mappings = parseRoleMappings({ internal_user: ['staff'], proxy_admin: ['admins'] });
    const rules = { groupClaim: 'groups', roleAttribute: 'role', mappings, defaultRole: 'internal_user_viewer' as const };
    expect(roleOf({ groups: ['staff', 'admins'] }, rules)).toBe('proxy_admin');
    expect(roleOf({ groups: ['staff'] }, rules)).toBe('internal_user');
    expect(roleOf({ groups: 'staff, other' }, rules)).toBe('internal_user');
    expect(roleOf({ groups: [], role: 'proxy_admin_viewer' }, rules)).toBe('proxy_admin_viewer');
    expect(roleOf({ groups: [], role: 'root' }, rules)).toBe('internal_user_viewer');
    expect(roleOf({}, { mappings: new Map(), roleAttribute: 'role' })).toBeUndefined();
  });

  it("prints the allowed domains as LiteLLM's message does (a Python list)", () => {
    expect(pythonList(['a.com', 'b.org'])).toBe("['a.com', 'b.org']");
  });
});

describe('configuration helpers', () => {
  it('finds issuer candidates from an authorization endpoint (Keycloak, Okta, plain)', () => {
    expect(issuerCandidates('https://kc.example/realms/acme/protocol/openid-connect/auth')).toEqual([
      'https://kc.example/realms/acme/protocol/openid-connect',
      'https://kc.example/realms/acme/protocol',
      'https://kc.example/realms/acme',
      'https://kc.example/realms',
      'https://kc.example',
    ]);
    expect(issuerCandidates('https://acme.okta.com/oauth2/default/v1/authorize')).toContain('https://acme.okta.com/oauth2/default');
    expect(issuerCandidates('http://127.0.0.1:9/auth')).toEqual(['http://127.0.0.1:9']);
  });

  it("reads LiteLLM's duration strings and boolean env values", () => {
    expect(durationSeconds('24h')).toBe(86_400);
    expect(durationSeconds('24hr')).toBe(86_400);
    expect(durationSeconds('30m')).toBe(1_800);
    expect(durationSeconds('1d')).toBe(86_400);
    expect(durationSeconds('90')).toBe(90);
    expect(() => durationSeconds('soon')).toThrow();
    expect(truthy('True', false)).toBe(true);
    expect(truthy('false', true)).toBe(false);
    expect(truthy(undefined, true)).toBe(true);
  });
});

describe('UI session cookies (plugin-sdk/ui-session.ts)', () => {
  it('base64url matches Node for every length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 255);
      expect(base64url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });

  it('session cookie HttpOnly + SameSite=Lax, CSRF cookie readable, Secure only when asked', () => {
    const [session, csrf] = sessionCookies('sk-abc', { maxAgeSeconds: 3600, secure: false });
    expect(session).toBe('sluice_session=sk-abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax');
    expect(csrf).toMatch(/^sluice_csrf=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=3600; SameSite=Lax$/);
    const secure = sessionCookies('sk-abc', { maxAgeSeconds: 60, secure: true });
    expect(secure.every((c) => c.endsWith('; Secure'))).toBe(true);
    // A fresh CSRF token every time.
    expect(sessionCookies('k', { maxAgeSeconds: 60, secure: false })[1]).not.toBe(sessionCookies('k', { maxAgeSeconds: 60, secure: false })[1]);
    expect(clearedSessionCookies()).toEqual([
      'sluice_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
      'sluice_csrf=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax',
    ]);
  });

  it('parses cookie headers and decides Secure from PROXY_BASE_URL or a trusted x-forwarded-proto', () => {
    expect(parseCookies('a=1; sluice_session=sk-x; a=2; b="q"')).toEqual({ a: '1', sluice_session: 'sk-x', b: 'q' });
    expect(isSecureRequest({ headers: {}, baseUrl: 'https://gw.example' })).toBe(true);
    expect(isSecureRequest({ headers: { 'x-forwarded-proto': 'https' } })).toBe(false);
    expect(isSecureRequest({ headers: { 'x-forwarded-proto': 'https' }, trustForwardedProto: true })).toBe(true);
    expect(isSecureRequest({ headers: { 'x-forwarded-proto': 'https, http' }, trustForwardedProto: true })).toBe(false);
  });
});
