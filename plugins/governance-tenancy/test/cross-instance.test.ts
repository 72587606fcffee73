/** Two gateways on one Postgres and one Redis: a change made on A is enforced on B within 1 s. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { client, tenancyConfig, type Reply } from './tenancy-client.js';

/** Polls `call` on B until it answers `status`; returns the last answer within 1 s. */
async function within1s(call: () => Promise<Reply>, status: number): Promise<Reply> {
  const start = Date.now();
  let last = await call();
  while (last.status !== status && Date.now() - start < 1_000) {
    await new Promise((r) => setTimeout(r, 25));
    last = await call();
  }
  return last;
}

describe.skipIf(!backends.postgres || !backends.redis)(`tenancy across instances on Postgres + Redis (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const apiA = client(() => a);
  const apiB = client(() => b);

  beforeAll(async () => {
    schema = await createPostgresSchema(backends.postgres!);
    const env = { DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    a = await startGateway(tenancyConfig(), { env });
    b = await startGateway(tenancyConfig(), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('a key blocked on A is refused on B within 1 s', async () => {
    const key = await apiA.keyFor({});
    expect((await apiB.chat(key)).status).toBe(200); // cached on B
    await apiA.ok('POST', '/key/block', { key });
    expect((await within1s(() => apiB.chat(key), 401)).status).toBe(401);
  });

  it('a team blocked on A: its keys are refused on B within 1 s, and admitted again after unblock', async () => {
    await apiA.ok('POST', '/team/new', { team_id: 'x-team' });
    const key = await apiA.keyFor({ team_id: 'x-team' });
    expect((await apiB.chat(key)).status).toBe(200);
    await apiA.ok('POST', '/team/block', { team_id: 'x-team' });
    const refused = await within1s(() => apiB.chat(key), 401);
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toContain('Team=x-team is blocked');
    await apiA.ok('POST', '/team/unblock', { team_id: 'x-team' });
    expect((await within1s(() => apiB.chat(key), 200)).status).toBe(200);
  });

  it('a customer blocked on A is refused on B within 1 s', async () => {
    const key = await apiA.keyFor({});
    expect((await apiB.chat(key, { user: 'x-customer' })).status).toBe(200); // created and cached on B
    await apiA.ok('POST', '/customer/block', { user_ids: ['x-customer'] });
    const refused = await within1s(() => apiB.chat(key, { user: 'x-customer' }), 400);
    expect(refused.json.error.message).toBe('User blocked from making LLM API Calls. User=x-customer');
  });

  it('a model removed from a team on A narrows its keys on B within 1 s', async () => {
    await apiA.ok('POST', '/team/new', { team_id: 'x-models', models: ['a', 'b'] });
    const key = await apiA.keyFor({ team_id: 'x-models' });
    expect((await apiB.chat(key, { model: 'b' })).status).toBe(200);
    await apiA.ok('POST', '/team/update', { team_id: 'x-models', models: ['a'] });
    expect((await within1s(() => apiB.chat(key, { model: 'b' }), 401)).status).toBe(401);
  });

  it('spend from both instances adds up on /key/info', async () => {
    const key = await apiA.keyFor({});
    let total = 0;
    for (const api of [apiA, apiB, apiA, apiB]) total += Number((await api.chat(key)).headers.get('x-litellm-response-cost'));
    const start = Date.now();
    let spend = 0;
    while (Date.now() - start < 4_000) {
      spend = (await apiA.ok('GET', `/key/info?key=${key}`)).info.spend;
      if (Math.abs(spend - total) < 1e-9) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(spend).toBeCloseTo(total, 9);
  });
});
