/**
 * The overspend bound under concurrency: 200 calls at once against a budget worth 20 calls.
 *
 * Stated bound (README): spend can exceed the budget by at most the sum, over the calls in flight
 * when the last call was admitted, of (actual cost − reserved amount). Each call in flight holds
 * its estimate in the counter (the call admitted last may hold only what was left of the budget,
 * LiteLLM's "spend so far < budget"), and the counter never exceeds the budget at admission, so at
 * most ⌊budget / estimate⌋ + 1 calls are in flight: with max_tokens set the estimate covers the
 * cost and the spend stays within the budget plus one call; with estimates below the cost it stays
 * within budget + ⌊budget / estimate⌋ × (cost − estimate) + one call.
 *
 * Runs on two instances sharing Postgres + Redis, and on one instance with in-process counters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import { backends, createPostgresSchema, deleteRedisKeys, uniqueTag } from '../../../test/support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { CALL_COST, CALL_ESTIMATE, TOKEN_PRICE, budgetConfig, burst, expectRecordedSpend, scopesAuthPlugin } from './support.js';

const authDir = scopesAuthPlugin();
const tag = uniqueTag();
let seq = 0;
const team = (fields: Partial<LimitScope>): LimitScope => ({ kind: 'team', id: `team-${tag}-${++seq}`, ...fields });

const BUDGET = 20 * CALL_COST;
/** 'wordy' without max_tokens and default_completion_tokens 0: reserves the prompt only (6 tokens), costs 11 tokens. */
const WORDY_ESTIMATE = 6 * TOKEN_PRICE;
const WORDY_COST = 11 * TOKEN_PRICE;
const WORDY_BUDGET = 20 * WORDY_COST;

function boundTests(setup: () => { gws: () => TestGateway[]; openDb: () => Promise<Knex> }) {
  const { gws, openDb } = setup();

  it('with max_tokens set, 200 concurrent calls spend no more than the budget plus the one call holding its last slice', async () => {
    const scope = team({ maxBudget: BUDGET });
    const { ok, statuses } = await burst(gws(), [scope], 200, { model: 'priced', max_tokens: 1 });
    expect([...statuses.keys()].sort()).toEqual(['200', '400 budget_exceeded']);
    // The first ⌊budget / estimate⌋ reservations always fit; at most one more takes the last slice.
    expect(ok).toBeGreaterThanOrEqual(Math.floor(BUDGET / CALL_ESTIMATE));
    expect(ok).toBeLessThanOrEqual(21);
    await expectRecordedSpend(openDb, scope, ok, CALL_COST, BUDGET + CALL_COST);
  });

  it('with estimates below the cost, overspend stays within the stated bound', async () => {
    const scope = team({ maxBudget: WORDY_BUDGET });
    const { ok, statuses } = await burst(gws(), [scope], 200, { model: 'wordy' });
    expect([...statuses.keys()].sort()).toEqual(['200', '400 budget_exceeded']);
    const bound = WORDY_BUDGET + Math.floor(WORDY_BUDGET / WORDY_ESTIMATE) * (WORDY_COST - WORDY_ESTIMATE) + WORDY_COST;
    await expectRecordedSpend(openDb, scope, ok, WORDY_COST, bound);
  });
}

describe.skipIf(!backends.postgres || !backends.redis)(
  `two instances sharing Postgres + Redis ${backends.skipReason.postgres ?? backends.skipReason.redis ?? ''}`,
  () => {
    let pg: Awaited<ReturnType<typeof createPostgresSchema>>;
    let a: TestGateway;
    let b: TestGateway;
    let webhook: Server;
    const hooks: Record<string, unknown>[] = [];

    beforeAll(async () => {
      pg = await createPostgresSchema(backends.postgres!);
      webhook = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          hooks.push(JSON.parse(body));
          res.end('ok');
        });
      });
      await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
      const env = {
        DATABASE_URL: pg.url,
        REDIS_URL: backends.redis!,
        WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/budget-alerts`,
      };
      const config = budgetConfig({ general_settings: { master_key: 'sk-unused-master', alerting: ['webhook'] }, budget: { default_completion_tokens: 0, learn_completion_tokens: false } } as never);
      // One after the other: both would run the migrations.
      a = await startGateway(config, { env, extraPluginDirs: [authDir] });
      b = await startGateway(config, { env, extraPluginDirs: [authDir] });
    });
    afterAll(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await new Promise((r) => webhook?.close(r));
      await pg?.drop();
      for (const marker of ['', 'seeded:', 'seed-done:', 'alerted:', 'slice:']) {
        for (const counter of ['budget:', 'budget:settled:']) await deleteRedisKeys(backends.redis!, `sluice:${marker ? `budget:${marker}` : ''}${counter}team:team-${tag}`);
      }
    });

    boundTests(() => ({
      gws: () => [a, b],
      openDb: async () => knexFactory({ client: 'pg', connection: pg.url }),
    }));

    it('a soft budget crossed on both instances alerts once', async () => {
      const scope = team({ softBudget: 0.005 });
      const { ok } = await burst([a, b], [scope], 10, { model: 'priced', max_tokens: 1 });
      expect(ok).toBe(10);
      await new Promise((r) => setTimeout(r, 300));
      const mine = hooks.filter((h) => h.team_id === scope.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ event: 'soft_budget_crossed', event_group: 'team', soft_budget: 0.005 });
    });
  },
);

describe('one instance with in-process counters (SQLite)', () => {
  let gw: TestGateway;
  let dbFile: string;
  beforeAll(async () => {
    dbFile = join(tempDir(), 'sluice.db');
    gw = await startGateway(budgetConfig({ budget: { default_completion_tokens: 0, learn_completion_tokens: false } }), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
  });
  afterAll(() => gw?.close());

  boundTests(() => ({
    gws: () => [gw],
    openDb: async () => knexFactory({ client: 'better-sqlite3', connection: { filename: dbFile }, useNullAsDefault: true }),
  }));
});
