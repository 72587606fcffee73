/**
 * Rerank governed like chat, on Postgres: a virtual key's model access and budget apply to
 * `/v1/rerank`, the call is priced per search unit from LiteLLM's cost map (`input_cost_per_query`
 * of rerank-v3.5: $0.002), and its spend row is written with call_type `arerank`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS, until } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeCohere, type FakeCohere } from './fake-cohere.js';

const KEY = 'co-deployment-key-0000000001';
const postgres = DATABASE_BACKENDS.find((b) => b.name === 'Postgres')!;

describe.skipIf(postgres.skip)('rerank through governance (Postgres)', () => {
  let fake: FakeCohere;
  let sluice: TestGateway;
  let db: Awaited<ReturnType<typeof postgres.open>>;

  beforeAll(async () => {
    fake = await startFakeCohere(KEY);
    db = await postgres.open();
    sluice = await startGateway(
      {
        model_list: [
          { model_name: 'rerank', litellm_params: { model: 'cohere/rerank-v3.5', api_base: fake.url, api_key: KEY } },
          { model_name: 'other-rerank', litellm_params: { model: 'cohere/rerank-english-v3.0', api_base: fake.url, api_key: KEY } },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { env: db.env },
    );
  });
  afterAll(async () => {
    await sluice?.close();
    await db?.drop();
    await fake?.close();
  });

  const post = async (path: string, body: object, key: string) => {
    const res = await fetch(`${sluice.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const RERANK = { model: 'rerank', query: 'capital of the United States', documents: ['Carson City is in Nevada', 'Washington, D.C. is the capital of the United States'] };

  it('a key with a budget: priced per search unit, spend row arerank, refused once the budget is spent', async () => {
    const generated = await post('/key/generate', { models: ['rerank'], max_budget: 0.003 }, MASTER_KEY);
    expect(generated.status).toBe(200);
    const key = generated.json.key as string;

    const first = await post('/v1/rerank', RERANK, key);
    expect(first.status).toBe(200);
    expect(first.json.results[0].index).toBe(1);
    expect(Number(first.headers.get('x-litellm-response-cost'))).toBeCloseTo(0.002, 10);

    // The spend row: call_type arerank, the price, the key's hash.
    await until(async () => (await db.knex('sluice_spend_logs').where({ call_type: 'arerank' })).length === 1);
    const [row] = await db.knex('sluice_spend_logs').where({ call_type: 'arerank' });
    expect(Number(row.spend)).toBeCloseTo(0.002, 10);
    expect(row.model_group).toBe('rerank');
    expect(row.api_key).toBeTruthy();

    // Model access: the key may not rerank with another model.
    const denied = await post('/v1/rerank', { ...RERANK, model: 'other-rerank' }, key);
    expect(denied.status).toBe(401);
    expect(fake.requests.filter((r) => r.body.model === 'rerank-english-v3.0')).toHaveLength(0);

    // 0.002 spent of 0.003: the budget runs out within a call or two, then the key is refused.
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    let served = 1;
    await until(async () => {
      const res = await post('/v1/rerank', RERANK, key);
      if (res.status === 200) return (served++, false);
      refused = res;
      return true;
    });
    expect(served).toBeLessThanOrEqual(3);
    expect(refused!.status).toBe(400);
    expect(refused!.json.error.type).toBe('budget_exceeded');
    expect(refused!.json.error.message).toContain('Budget has been exceeded!');
  });
});
