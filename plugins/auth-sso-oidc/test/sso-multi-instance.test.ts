/**
 * Two gateways behind one load balancer, sharing Postgres and Redis: a login started on one
 * instance finishes on the other (the state lives in the shared kv), a state taken on one is gone
 * for both, failed password logins count across instances, and a logout on one revokes the
 * session everywhere. Both gateways enable the plugin from the environment alone (LiteLLM's way:
 * GENERIC_CLIENT_ID set), with no `plugins:` entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, createPostgresSchema, deleteRedisKeys } from '../../../test/support/backends.js';
import { until } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, signInAtIssuer, startIssuer, type Issuer } from './oidc-issuer.js';

const skip = backends.skipReason.postgres ?? backends.skipReason.redis;
// The Redis counters prefix their keys (`sluice:`): match any prefix.
const FAILURE_KEYS = '*auth-sso-oidc:login-failures:';

const config = {
  model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
  general_settings: { master_key: MASTER_KEY },
} as SluiceConfig;

describe.skipIf(skip !== undefined)(`auth-sso-oidc on two instances (Postgres + Redis)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let issuer: Issuer;
  let a: TestGateway;
  let b: TestGateway;
  let dropSchema: () => Promise<void>;

  beforeAll(async () => {
    issuer = await startIssuer();
    const schema = await createPostgresSchema(backends.postgres!);
    dropSchema = schema.drop;
    await deleteRedisKeys(backends.redis!, FAILURE_KEYS);
    const env = {
      DATABASE_URL: schema.url,
      REDIS_URL: backends.redis!,
      GENERIC_CLIENT_ID: CLIENT_ID,
      GENERIC_CLIENT_SECRET: CLIENT_SECRET,
      GENERIC_AUTHORIZATION_ENDPOINT: `${issuer.url}/auth`,
      GENERIC_TOKEN_ENDPOINT: `${issuer.url}/token`,
      GENERIC_USERINFO_ENDPOINT: `${issuer.url}/me`,
      GENERIC_USER_ID_ATTRIBUTE: 'preferred_username',
      UI_PASSWORD: 'multi-instance-ui-password',
    };
    a = await startGateway(config, { env });
    b = await startGateway(config, { env });
    issuer.configure([a, b].map((g) => `${g.url}/sso/callback`), {
      erin: { sub: 'erin-sub', preferred_username: 'erin', email: 'erin@example.com' },
    });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await issuer?.close();
    await deleteRedisKeys(backends.redis!, FAILURE_KEYS);
    await dropSchema?.();
  });

  it('a login started on one instance finishes on the other, once', async () => {
    const start = await fetch(`${a.url}/sso/key/generate`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const browser = start.headers.getSetCookie().find((l) => l.startsWith('sluice_sso_login='))!.split(';')[0]!;
    const back = await signInAtIssuer(start.headers.get('location')!, 'erin', `${a.url}/sso/callback`, new CookieJar());
    const onB = await fetch(`${b.url}${back.slice(a.url.length)}`, { redirect: 'manual', headers: { cookie: browser } });
    expect(onB.status, await onB.clone().text()).toBe(303);
    const session = onB.headers.getSetCookie().find((l) => l.startsWith('sluice_session='))!.split(';')[0]!.slice('sluice_session='.length);
    // The state is gone for both instances.
    const replayA = await fetch(`${a.url}${back.slice(a.url.length)}`, { redirect: 'manual', headers: { cookie: browser } });
    expect(replayA.status).toBe(401);
    // The session works on the instance that did not issue it…
    const infoA = await fetch(`${a.url}/user/info`, { headers: { cookie: `sluice_session=${session}` } });
    expect(infoA.status).toBe(200);
    expect(((await infoA.json()) as { user_id: string }).user_id).toBe('erin');
    // …and a logout on B revokes it on A.
    const out = await fetch(`${b.url}/logout`, { headers: { cookie: `sluice_session=${session}` }, redirect: 'manual' });
    expect(out.status).toBe(303);
    await until(async () => (await fetch(`${a.url}/user/info`, { headers: { cookie: `sluice_session=${session}` } })).status === 401, 10_000);
  });

  it('failed password logins are counted across instances', async () => {
    const attempt = (g: TestGateway, password: string) =>
      fetch(`${g.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password }).toString(),
      });
    // Default limit: 10 per window; 5 failures on each instance.
    for (let i = 0; i < 10; i++) expect((await attempt(i % 2 ? a : b, `wrong-${i}`)).status).toBe(401);
    expect((await attempt(a, 'multi-instance-ui-password')).status).toBe(429);
    expect((await attempt(b, 'multi-instance-ui-password')).status).toBe(429);
  });
});
