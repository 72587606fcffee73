/**
 * A gateway on Postgres and Redis keeps serving when either goes away for a while: keys come from
 * its cache, counters fall back to the instance, spend rows queue and arrive once the database is
 * back — none lost, none twice. The backends are reached through TCP relays the test cuts.
 */
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresSchema } from './support/backends.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { tcpRelay, throughRelay, type TcpRelay } from './support/tcp-relay.js';

const both = backends.postgres && backends.redis;

describe.skipIf(!both)(`backend outages (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'Postgres + Redis'})`, () => {
  let upstream: MockOpenAI;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let pgRelay: TcpRelay;
  let redisRelay: TcpRelay;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    schema = await createPostgresSchema(backends.postgres!);
    const pgUrl = new URL(schema.url);
    pgRelay = await tcpRelay(pgUrl.hostname, Number(pgUrl.port || 5432));
    const redisUrl = new URL(backends.redis!);
    redisRelay = await tcpRelay(redisUrl.hostname, Number(redisUrl.port || 6379));
    gw = await startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'spend-logs', config: { flush_interval_ms: 100 } }] } as never), {
      env: { DATABASE_URL: throughRelay(schema.url, pgRelay), REDIS_URL: throughRelay(backends.redis!, redisRelay) },
    });
  });
  afterAll(async () => {
    pgRelay?.restore();
    redisRelay?.restore();
    await gw?.close();
    await Promise.all([pgRelay?.close(), redisRelay?.close(), upstream?.close()]);
    await schema?.drop();
  });

  const chat = (key: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('serves cached keys with limits while Postgres and Redis are down, and writes every spend row once they are back', async () => {
    const made = await fetch(`${gw.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key_alias: 'outage', rpm_limit: 1000 }),
    });
    expect(made.status).toBe(200);
    const { key } = (await made.json()) as { key: string };
    expect((await chat(key)).status).toBe(200); // warms the key cache

    pgRelay.cut();
    redisRelay.cut();
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const res = await chat(key);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('1000');
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gw.logs.some((l) => l.includes('Redis unreachable'))).toBe(true);

    pgRelay.restore();
    redisRelay.restore();
    const knex = knexFactory({ client: 'pg', connection: schema.url });
    try {
      await expect
        .poll(async () => Number((await knex('sluice_spend_logs').count({ n: '*' }))[0]!.n), { timeout: 40_000, interval: 250 })
        .toBe(6);
      const ids = await knex('sluice_spend_logs').select('request_id');
      expect(new Set(ids.map((r: { request_id: string }) => r.request_id)).size).toBe(6);
    } finally {
      await knex.destroy();
    }
  }, 60_000);
});
