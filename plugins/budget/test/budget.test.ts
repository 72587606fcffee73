/**
 * Hard budgets end to end on SQLite with in-process counters: refusals with LiteLLM's error for
 * every scope kind, model budgets on a key, windows that reset, temporary increases, reservations
 * given back on refusal and failure, and window spend that survives a restart.
 *
 * The clock: `Date.now` is wrapped before any gateway starts (the gateway hands it to plugins as
 * `ctx.now`, and the in-process counters expire by it), so a test moves time by `advance(ms)`
 * instead of sleeping through a window.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import { uniqueTag } from '../../../test/support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { CALL_COST, TOKEN_PRICE, budgetConfig, chat, scopesAuthPlugin } from './support.js';

const realNow = Date.now;
let offset = 0;
vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
const advance = (ms: number) => {
  offset += ms;
};

const authDir = scopesAuthPlugin();
const tag = uniqueTag();
let seq = 0;
/** A scope nobody else uses. */
const scope = (kind: LimitScope['kind'], fields: Partial<LimitScope> = {}): LimitScope => ({ kind, id: `${kind}-${tag}-${++seq}`, ...fields });

describe('budgets on SQLite with in-process counters', () => {
  let gw: TestGateway;
  let dbFile: string;

  beforeAll(async () => {
    dbFile = join(tempDir(), 'sluice.db');
    gw = await startGateway(budgetConfig(), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
  });
  afterAll(() => gw?.close());

  it('admits calls while spend is under the budget (LiteLLM), then refuses with budget_exceeded naming the key', async () => {
    const key = scope('key', { maxBudget: 0.005, alias: 'my-key' });
    // 0.002 spent per call: admitted at 0, 0.002 and 0.004 (the last one on the budget's last slice), refused at 0.006.
    for (let i = 0; i < 3; i++) expect((await chat(gw, [key])).status).toBe(200);
    const refused = await chat(gw, [key]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toEqual({
      message: 'Budget has been exceeded! Key=my-key Current cost: 0.006, Max budget: 0.005',
      type: 'budget_exceeded',
      param: null,
      code: '400',
    });
  });

  const kinds: [LimitScope['kind'], (id: string) => string][] = [
    ['key', (id) => `Budget has been exceeded! Key=${id} Current cost: 0.002, Max budget: 0.001`],
    ['user', (id) => `ExceededBudget: User=${id} over budget. Spend=0.002, Budget=0.001`],
    ['team', (id) => `Budget has been exceeded! Team=${id} Current cost: 0.002, Max budget: 0.001`],
    ['organization', (id) => `Budget has been exceeded! Organization=${id} Current cost: 0.002, Max budget: 0.001`],
    ['project', (id) => `Budget has been exceeded! Project=${id} Current cost: 0.002, Max budget: 0.001`],
    ['customer', (id) => `ExceededBudget: End User=${id} over budget. Spend=0.002, Budget=0.001`],
    ['tag', (id) => `Budget has been exceeded! Tag=${id} Current cost: 0.002, Max budget: 0.001`],
  ];
  for (const [kind, message] of kinds) {
    it(`a ${kind} budget admits its first call, then refuses once spend reached it`, async () => {
      const s = scope(kind, { maxBudget: 0.001 });
      const open = scope(kind, { maxBudget: 1 });
      expect((await chat(gw, [open, s])).status).toBe(200);
      const refused = await chat(gw, [open, s]);
      expect(refused.status).toBe(400);
      expect(refused.json.error?.type).toBe('budget_exceeded');
      expect(refused.json.error?.message).toBe(message(s.id));
      expect((await chat(gw, [open])).status).toBe(200);
    });
  }

  it('a refusal on one scope gives back what the call reserved on the others', async () => {
    const key = scope('key', { maxBudget: 0.007 }); // one reservation fills it: kept, it would refuse the next call
    const team = scope('team', { maxBudget: 0 });
    expect((await chat(gw, [key, team])).status).toBe(400);
    expect((await chat(gw, [key])).status).toBe(200);
  });

  it('a failed call gives back its whole reservation', async () => {
    const key = scope('key', { maxBudget: 0.007 }); // one reservation fills it
    const failed = await chat(gw, [key], { model: 'broken' });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await chat(gw, [key])).status).toBe(200);
  });

  it('a key budget for one model limits that model only', async () => {
    const key = scope('key', { alias: 'modelled', modelMaxBudget: { priced: { maxBudget: 0.001 } } });
    expect((await chat(gw, [key], { model: 'priced' })).status).toBe(200);
    const refused = await chat(gw, [key], { model: 'priced' });
    expect(refused.status).toBe(400);
    expect(refused.json.error?.message).toBe(
      `LiteLLM Virtual Key: ${key.id}, key_alias: modelled, exceeded budget for model=priced. Current cost: 0.002, Max budget: 0.001`,
    );
    expect((await chat(gw, [key], { model: 'priced-b' })).status).toBe(200);
  });

  it('a model budget with its own duration resets on its own window', async () => {
    const key = scope('key', { budgetAnchor: Date.now(), modelMaxBudget: { priced: { maxBudget: 0.001, budgetDuration: '30s' } } });
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(400);
    advance(30_000);
    expect((await chat(gw, [key])).status).toBe(200);
  });

  it('an unpriced model reserves nothing and is refused only once spend reached the budget', async () => {
    const spent = scope('team', { maxBudget: 0 });
    const refused = await chat(gw, [spent], { model: 'free' });
    expect(refused.status).toBe(400);
    expect(refused.json.error?.message).toBe(`Budget has been exceeded! Team=${spent.id} Current cost: 0, Max budget: 0`);
    const tiny = scope('team', { maxBudget: 0.000001 });
    for (let i = 0; i < 3; i++) expect((await chat(gw, [tiny], { model: 'free' })).status).toBe(200);
  });

  it('a 30s budget window resets: refused at the end of one window, admitted in the next', async () => {
    const key = scope('key', { maxBudget: 0.003, budgetDuration: '30s', budgetAnchor: Date.now() });
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(400);
    advance(30_000);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(400);
  });

  it('a budget without duration never resets', async () => {
    const key = scope('key', { maxBudget: 0.001 });
    expect((await chat(gw, [key])).status).toBe(200);
    advance(40 * 86_400_000);
    expect((await chat(gw, [key])).status).toBe(400);
  });

  it('a temporary budget increase counts until its expiry, then no more', async () => {
    const now = Date.now();
    const user = scope('user', { maxBudget: 0.005, tempBudgetIncrease: 0.005, tempBudgetExpiry: now + 60_000 });
    // Budget 0.01 while the increase lasts: admitted at spend 0 … 0.008, refused at 0.01.
    for (let i = 0; i < 5; i++) expect((await chat(gw, [user])).status).toBe(200);
    expect((await chat(gw, [user])).status).toBe(400);
    advance(61_000);
    const refused = await chat(gw, [user]);
    expect(refused.json.error?.message).toBe(`ExceededBudget: User=${user.id} over budget. Spend=0.01, Budget=0.005`);
    // Before expiry the same spend was under the raised budget.
    const raised = scope('user', { maxBudget: 0.001, tempBudgetIncrease: 0.01, tempBudgetExpiry: Date.now() + 60_000 });
    expect((await chat(gw, [raised])).status).toBe(200);
  });

  it('persists window spend to its table', async () => {
    const team = scope('team', { maxBudget: 5, budgetDuration: '30d', budgetAnchor: 0 });
    for (let i = 0; i < 3; i++) expect((await chat(gw, [team])).status).toBe(200);
    const db = knexFactory({ client: 'better-sqlite3', connection: { filename: dbFile }, useNullAsDefault: true });
    try {
      let rows: { spend: number; window_start: number; window_end: number }[] = [];
      const deadline = realNow() + 5_000; // written within a flush interval (1 s)
      while (rows.length === 0 && realNow() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await db('sluice_budget_window_spend').where({ scope_kind: 'team', scope_id: team.id });
      }
      expect(rows).toHaveLength(1);
      expect(rows[0].spend).toBeCloseTo(3 * CALL_COST, 10);
      // LiteLLM's `30d`: the calendar month, 1st 00:00 UTC to the next 1st.
      const start = new Date(Number(rows[0].window_start));
      expect(start.toISOString()).toBe(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)).toISOString());
      expect(Number(rows[0].window_end)).toBe(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    } finally {
      await db.destroy();
    }
  });
});

describe('reservations of calls in flight', () => {
  // An upstream that answers after 300 ms, so concurrent calls are all in flight at once.
  let slow: Server;
  let gw: TestGateway;
  beforeAll(async () => {
    slow = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'slow', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        }, 300),
      );
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const config = budgetConfig();
    config.model_list!.push({
      model_name: 'slow',
      litellm_params: { model: 'openai/slow', api_base: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1`, api_key: 'sk-none' },
      model_info: { input_cost_per_token: TOKEN_PRICE, output_cost_per_token: TOKEN_PRICE },
    } as never);
    gw = await startGateway(config, { extraPluginDirs: [authDir] });
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => slow?.close(r));
  });

  const together = (team: LimitScope, n: number, maxTokens: number | null) =>
    Promise.all(Array.from({ length: n }, () => chat(gw, [team], { model: 'slow', maxTokens }))).then((rs) => rs.map((r) => r.status).sort());

  it('without max_tokens each call reserves default_completion_tokens (1024): a $2 budget holds two calls in flight, not three', async () => {
    // 1 + 1024 tokens = $1.025 reserved: the first call's whole estimate fits, the second takes the last $0.975, the third is refused.
    expect(await together(scope('team', { maxBudget: 2 }), 3, null)).toEqual([200, 200, 400]);
  });

  it('with max_tokens 1 the same budget holds all three', async () => {
    expect(await together(scope('team', { maxBudget: 2 }), 3, 1)).toEqual([200, 200, 200]);
  });
});

describe('window spend survives a restart (SQLite file, in-process counters)', () => {
  it('a restarted gateway starts from the spend of the window', async () => {
    const dbFile = join(tempDir(), 'sluice.db');
    const key = scope('key', { maxBudget: 0.004 });
    const first = await startGateway(budgetConfig(), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
    try {
      expect((await chat(first, [key])).status).toBe(200);
      expect((await chat(first, [key])).status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await startGateway(budgetConfig(), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
    try {
      // 0.004 spent before the restart reaches the budget. A fresh counter would admit the call.
      const refused = await chat(second, [key]);
      expect(refused.status).toBe(400);
      expect(refused.json.error?.message).toContain('Current cost: 0.004');
      // Another scope is unaffected.
      expect((await chat(second, [scope('key', { maxBudget: 0.01 })])).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

