/** Two gateways on one Postgres and one Redis: a team blocked on A refuses its JWTs on B within 1 s. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { jwksServer, sign, signingKey, type JwksServer, type SigningKey } from './issuer.js';

const config = () =>
  ({
    model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
    general_settings: { master_key: MASTER_KEY, enable_jwt_auth: true, litellm_jwtauth: { team_id_jwt_field: 'team' } },
  }) as never;

describe.skipIf(!backends.postgres || !backends.redis)(`JWT across instances (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  let idp: JwksServer;
  let key: SigningKey;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;

  const call = async (gw: TestGateway, path: string, token: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { error?: { message: string } } };
  };
  const chat = (gw: TestGateway, token: string) => call(gw, '/v1/chat/completions', token, { model: 'a', messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    key = await signingKey('k1');
    idp = await jwksServer([key]);
    schema = await createPostgresSchema(backends.postgres!);
    const env = { DATABASE_URL: schema.url, REDIS_URL: backends.redis!, JWT_PUBLIC_KEY_URL: idp.url };
    a = await startGateway(config(), { env });
    b = await startGateway(config(), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await idp?.close();
    await schema?.drop();
  });

  it('a team blocked on A is refused on B within 1 s; unblocked, admitted again', async () => {
    expect((await call(a, '/team/new', MASTER_KEY, { team_id: 'x-team' })).status).toBe(200);
    const t = await sign(key, { sub: 'svc', team: 'x-team' });
    expect((await chat(b, t)).status).toBe(200); // verified and cached on B
    expect((await call(a, '/team/block', MASTER_KEY, { team_id: 'x-team' })).status).toBe(200);
    const start = Date.now();
    let last = await chat(b, t);
    while (last.status !== 401 && Date.now() - start < 1_000) {
      await new Promise((r) => setTimeout(r, 25));
      last = await chat(b, t);
    }
    expect(last.status).toBe(401);
    expect(last.json.error?.message).toContain('Team=x-team is blocked');
    await call(a, '/team/unblock', MASTER_KEY, { team_id: 'x-team' });
    const again = Date.now();
    while ((await chat(b, t)).status !== 200 && Date.now() - again < 1_000) await new Promise((r) => setTimeout(r, 25));
    expect((await chat(b, t)).status).toBe(200);
  });
});
