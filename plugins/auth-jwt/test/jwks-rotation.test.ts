/**
 * The issuer's JWKS served on loopback: a rotated-in key is picked up (an unknown kid refetches,
 * rate-limited), a rotated-out key stops working after public_key_ttl, several JWKS URLs and an
 * OIDC discovery URL work, an unreachable issuer is a 503 with LiteLLM's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { jwksServer, sign, signingKey, until, type JwksServer, type SigningKey } from './issuer.js';

const config = (extra: Record<string, unknown> = {}) =>
  ({
    model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
    general_settings: { master_key: MASTER_KEY, enable_jwt_auth: true },
    plugins: [{ use: 'auth-jwt', config: { token_cache_ttl_seconds: 0, ...extra } }],
  }) as never;

async function chat(gw: TestGateway, token: string) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, json: (await res.json()) as { error?: { message: string } } };
}

describe('key rotation', () => {
  let gw: TestGateway;
  let idp: JwksServer;
  let k1: SigningKey;
  let k2: SigningKey;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
    idp = await jwksServer([k1]);
    gw = await startGateway(config({ public_key_ttl: 2, jwks_refetch_interval_seconds: 0.5 }), { env: { JWT_PUBLIC_KEY_URL: idp.url } });
  });
  afterAll(async () => {
    await gw?.close();
    await idp?.close();
  });

  it('a new kid published by the issuer is verified without waiting for the TTL', async () => {
    expect((await chat(gw, await sign(k1, { sub: 'a' }))).status).toBe(200);
    idp.publish([k1, k2]);
    // The first k2 token may come within the refetch interval of the last fetch: retried until it passes.
    expect(await until(async () => (await chat(gw, await sign(k2, { sub: 'a' }))).status === 200, 3_000)).toBe(true);
  });

  it('random unknown kids cost at most one JWKS fetch per refetch interval', async () => {
    const before = idp.fetches;
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 25 }, async (_, i) => chat(gw, await sign({ ...k1, kid: `random-${i}` }, { sub: 'x' }))));
    expect(replies.every((r) => r.status === 401)).toBe(true);
    const intervals = Math.ceil((Date.now() - started) / 500) + 1;
    expect(idp.fetches - before).toBeLessThanOrEqual(intervals);
    expect(idp.fetches - before).toBeLessThan(25);
  });

  it('a key the issuer removed stops verifying once public_key_ttl has passed', async () => {
    idp.publish([k2]);
    const refused = await until(async () => (await chat(gw, await sign(k1, { sub: 'a' }))).status === 401, 6_000);
    expect(refused).toBe(true);
    expect((await chat(gw, await sign(k2, { sub: 'a' }))).status).toBe(200);
  });
});

describe('several issuers and discovery', () => {
  let gw: TestGateway;
  let one: JwksServer;
  let two: JwksServer;
  let a: SigningKey;
  let b: SigningKey;

  beforeAll(async () => {
    [a, b] = await Promise.all([signingKey('a'), signingKey('b', 'ES256')]);
    [one, two] = await Promise.all([jwksServer([a]), jwksServer([b])]);
    // The second URL is an OIDC discovery document whose jwks_uri is followed.
    const discovery = two.url.replace(/\/jwks$/, '/.well-known/openid-configuration');
    gw = await startGateway(config(), { env: { JWT_PUBLIC_KEY_URL: `${one.url}, ${discovery}` } });
  });
  afterAll(async () => {
    await gw?.close();
    await one?.close();
    await two?.close();
  });

  it('tokens of either JWKS URL (comma-separated) verify, RSA and EC', async () => {
    expect((await chat(gw, await sign(a, { sub: 'a' }))).status).toBe(200);
    expect((await chat(gw, await sign(b, { sub: 'b' }))).status).toBe(200);
  });
});

describe('issuer unreachable', () => {
  it('is a 503 with LiteLLM’s message, not a refusal of the token', async () => {
    const k = await signingKey('k');
    const gw = await startGateway(config(), { env: { JWT_PUBLIC_KEY_URL: 'http://127.0.0.1:9/jwks' } });
    try {
      const reply = await chat(gw, await sign(k, { sub: 'a' }));
      expect(reply.status).toBe(503);
      expect(reply.json.error?.message).toContain("Service Unavailable, the identity provider's JWKS endpoint is temporarily unreachable");
    } finally {
      await gw.close();
    }
  });
});

describe('issuer down after keys were fetched (public_key_stale_ttl)', () => {
  it('the last good copy keeps serving, unless it is past public_key_ttl + public_key_stale_ttl', async () => {
    const k = await signingKey('k');
    const idp = await jwksServer([k]);
    const env = { env: { JWT_PUBLIC_KEY_URL: idp.url } };
    const keeps = await startGateway(config({ public_key_ttl: 1, jwks_refetch_interval_seconds: 0.2 }), env);
    const failsClosed = await startGateway(config({ public_key_ttl: 1, jwks_refetch_interval_seconds: 0.2, public_key_stale_ttl: 0 }), env);
    try {
      for (const gw of [keeps, failsClosed]) expect((await chat(gw, await sign(k, { sub: 'a' }))).status).toBe(200);
      await idp.close();
      const closed = await until(async () => (await chat(failsClosed, await sign(k, { sub: 'a' }))).status === 503, 5_000);
      expect(closed).toBe(true);
      expect((await chat(keeps, await sign(k, { sub: 'a' }))).status).toBe(200);
    } finally {
      await keeps.close();
      await failsClosed.close();
    }
  });
});
