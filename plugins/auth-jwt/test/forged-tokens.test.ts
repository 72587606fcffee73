/**
 * Malformed and forged tokens against a real gateway whose issuer's JWKS is served on loopback:
 * every one is refused with 401 and LiteLLM's message; the well-formed token is admitted.
 */
import { createHmac } from 'node:crypto';
import { CompactSign, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { AUDIENCE, b64url, ISSUER, jwksServer, sign, signingKey, type JwksServer, type SigningKey } from './issuer.js';

let gw: TestGateway;
let idp: JwksServer;
let key: SigningKey;
let other: SigningKey;
let ec: SigningKey;
let ps: SigningKey;

const MAX_TOKEN_BYTES = 8192;

async function chat(token: string) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { message: string; type: string; code: string } } };
}

beforeAll(async () => {
  key = await signingKey('key-1');
  other = await signingKey('key-1'); // same kid, another key: a forger's
  ec = await signingKey('key-ec', 'ES256');
  ps = await signingKey('key-1', 'PS256');
  idp = await jwksServer([key]);
  gw = await startGateway(
    {
      model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
      general_settings: { master_key: MASTER_KEY, enable_jwt_auth: true, litellm_jwtauth: { user_id_jwt_field: 'sub', user_id_upsert: true } },
      plugins: [{ use: 'auth-jwt', config: { require_exp: true, max_token_bytes: MAX_TOKEN_BYTES } }],
    } as never,
    { env: { JWT_PUBLIC_KEY_URL: idp.url, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER } },
  );
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

const now = () => Math.floor(Date.now() / 1000);

/** A token whose parts are given as they are (no signing). */
const raw = (header: unknown, payload: unknown, signature = '') => `${b64url(header)}.${b64url(payload)}.${signature}`;
const claims = () => ({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now() + 3600 });

const VALIDATION = 'Authentication Error, Validation fails: ';

const cases: Array<{ name: string; token: () => Promise<string> | string; message: string; type?: string }> = [
  { name: 'alg none, no signature', token: () => raw({ alg: 'none', kid: 'key-1' }, claims()), message: `${VALIDATION}The specified alg value is not allowed` },
  { name: 'alg "None" spelled differently', token: () => raw({ alg: 'None', kid: 'key-1' }, claims()), message: `${VALIDATION}The specified alg value is not allowed` },
  {
    name: 'HS256 signed with the RSA public key PEM as the HMAC secret',
    token: () => {
      const unsigned = `${b64url({ alg: 'HS256', kid: 'key-1', typ: 'JWT' })}.${b64url(claims())}`;
      return `${unsigned}.${createHmac('sha256', key.publicPem).update(unsigned).digest('base64url')}`;
    },
    message: `${VALIDATION}The specified alg value is not allowed`,
  },
  {
    name: 'HS256 signed with the JWK modulus as the secret',
    token: () => {
      const unsigned = `${b64url({ alg: 'HS256', kid: 'key-1' })}.${b64url(claims())}`;
      return `${unsigned}.${createHmac('sha256', String(key.publicJwk.n)).update(unsigned).digest('base64url')}`;
    },
    message: `${VALIDATION}The specified alg value is not allowed`,
  },
  { name: 'PS256 against a key published for RS256', token: () => sign(ps, { sub: 'mallory' }), message: `${VALIDATION}The specified alg value is not allowed` },
  { name: 'ES256 token claiming the RSA key’s kid', token: () => sign({ ...ec, kid: 'key-1' }, { sub: 'mallory' }), message: `${VALIDATION}The specified alg value is not allowed` },
  { name: 'expired', token: () => sign(key, { sub: 'mallory', exp: now() - 60 }), message: 'Token Expired', type: 'expired_key' },
  { name: 'not yet valid (nbf in the future)', token: () => sign(key, { sub: 'mallory', nbf: now() + 600 }), message: `${VALIDATION}The token is not yet valid (nbf)` },
  { name: 'wrong audience', token: () => sign(key, { sub: 'mallory', aud: 'another-app' }), message: `${VALIDATION}Audience doesn't match` },
  { name: 'no audience', token: () => sign(key, { sub: 'mallory', aud: null }), message: `${VALIDATION}Token is missing the "aud" claim` },
  { name: 'wrong issuer', token: () => sign(key, { sub: 'mallory', iss: 'https://evil.example' }), message: `${VALIDATION}Invalid issuer` },
  { name: 'no exp (require_exp)', token: () => sign(key, { sub: 'mallory', exp: null }), message: `${VALIDATION}Token is missing the "exp" claim` },
  { name: 'unknown kid', token: () => sign({ ...key, kid: 'key-404' }, { sub: 'mallory' }), message: `Authentication Error, No matching public key found. keys=['${'URL'}'], kid=key-404` },
  { name: 'kid path traversal', token: () => sign({ ...key, kid: '../../../../etc/passwd' }, { sub: 'mallory' }), message: "kid=../../../../etc/passwd" },
  { name: 'kid that is not a string', token: () => sign(key, { sub: 'mallory' }, { kid: 17 }), message: `${VALIDATION}Key ID header parameter must be a string` },
  { name: 'signed by another key with the same kid', token: () => sign(other, { sub: 'mallory' }), message: `${VALIDATION}Signature verification failed` },
  {
    name: 'payload changed after signing (admin scope added)',
    token: async () => {
      const [h, , s] = (await sign(key, { sub: 'mallory' })).split('.');
      return `${h}.${b64url({ ...claims(), scope: 'litellm_proxy_admin' })}.${s}`;
    },
    message: `${VALIDATION}Signature verification failed`,
  },
  {
    name: 'signature truncated',
    token: async () => (await sign(key, { sub: 'mallory' })).slice(0, -12),
    message: `${VALIDATION}Signature verification failed`,
  },
  { name: 'empty signature', token: async () => `${(await sign(key, { sub: 'mallory' })).split('.').slice(0, 2).join('.')}.`, message: `${VALIDATION}Signature verification failed` },
  { name: 'header that is not JSON', token: () => `${b64url('not json')}.${b64url(claims())}.c2ln`, message: 'Authentication Error, Invalid header string: ' },
  { name: 'header that is a JSON list', token: () => `${b64url([1, 2])}.${b64url(claims())}.c2ln`, message: 'Authentication Error, Invalid header string: must be a json object' },
  { name: 'header with characters outside base64url', token: () => `e30@@.${b64url(claims())}.c2ln`, message: 'Authentication Error, Invalid header padding' },
  {
    name: 'unknown critical header extension',
    token: () =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1', crit: ['x-sluice-test'], 'x-sluice-test': true })
        .sign(key.privateKey, { crit: { 'x-sluice-test': true } }),
    message: `${VALIDATION}Unsupported critical extension: x-sluice-test`,
  },
  {
    name: 'signed payload that is not a JSON object',
    token: () => new CompactSign(new TextEncoder().encode('[1,2,3]')).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).sign(key.privateKey),
    message: `${VALIDATION}Invalid payload string: `,
  },
  {
    name: 'huge token (over max_token_bytes)',
    token: () => sign(key, { sub: 'mallory', padding: 'x'.repeat(MAX_TOKEN_BYTES) }),
    message: `the token is`,
  },
];

describe('forged and malformed JWTs', () => {
  it('a well-formed token of the issuer is admitted (the setup works)', async () => {
    const ok = await chat(await sign(key, { sub: 'alice' }));
    expect(ok.status).toBe(200);
  });

  it.each(cases)('refuses: $name', async ({ token, message, type }) => {
    const reply = await chat(await token());
    expect(reply.status).toBe(401);
    expect(reply.body.error?.code).toBe('401');
    expect(reply.body.error?.type).toBe(type ?? 'auth_error');
    expect(reply.body.error?.message).toContain(message.replace("'URL'", `'${idp.url}'`));
  });

  it(`refuses ${cases.length} forged tokens (at least 15)`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it('a token of two parts is not a JWT: it falls through to the other auth plugins and is refused', async () => {
    const token = (await sign(key, { sub: 'mallory' })).split('.').slice(0, 2).join('.');
    expect((await chat(token)).status).toBe(401);
  });

  it('the master key still works beside JWT auth', async () => {
    expect((await chat(MASTER_KEY)).status).toBe(200);
  });
});
