/**
 * Hard budgets end to end on SQLite with in-process counters: refusals with LiteLLM's error for
 * every scope kind, model budgets on a key, windows that reset, temporary increases, reservations
 * given back on refusal and failure, and window spend that survives a restart.
 *
 * The clock: `Date.now` is wrapped before any gateway starts (the gateway hands it to plugins as
 * `ctx.now`, and the in-process counters expire by it), so a test moves time by `advance(ms)`
 * instead of sleeping through a window.
 */
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LimitScope } from '../../../plugin-sdk/index.js';
import { uniqueTag } from '../../../test/support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { CALL_COST, budgetConfig, chat, scopesAuthPlugin } from './support.js';

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

  it('refuses with LiteLLM budget_exceeded once the next call would not fit, naming the key', async () => {
    const key = scope('key', { maxBudget: 0.01, alias: 'my-key' });
    // 0.007 reserved each time, 0.002 spent: the third call would reach 0.004 + 0.007 > 0.01.
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(200);
    const refused = await chat(gw, [key]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toEqual({
      message: 'Budget has been exceeded! Key=my-key Current cost: 0.004, Max budget: 0.01',
      type: 'budget_exceeded',
      param: null,
      code: 400,
    });
  });

  const kinds: [LimitScope['kind'], (id: string) => string][] = [
    ['key', (id) => `Budget has been exceeded! Key=${id} Current cost: 0, Max budget: 0.005`],
    ['user', (id) => `ExceededBudget: User=${id} over budget. Spend=0, Budget=0.005`],
    ['team', (id) => `Budget has been exceeded! Team=${id} Current cost: 0, Max budget: 0.005`],
    ['organization', (id) => `Budget has been exceeded! Organization=${id} Current cost: 0, Max budget: 0.005`],
    ['project', (id) => `Budget has been exceeded! Project=${id} Current cost: 0, Max budget: 0.005`],
    ['customer', (id) => `ExceededBudget: End User=${id} over budget. Spend=0, Budget=0.005`],
    ['tag', (id) => `Budget has been exceeded! Tag=${id} Current cost: 0, Max budget: 0.005`],
  ];
  for (const [kind, message] of kinds) {
    it(`a ${kind} budget refuses a call that would not fit`, async () => {
      const s = scope(kind, { maxBudget: 0.005 });
      const open = scope(kind, { maxBudget: 1 });
      const refused = await chat(gw, [open, s]);
      expect(refused.status).toBe(400);
      expect(refused.json.error?.type).toBe('budget_exceeded');
      expect(refused.json.error?.message).toBe(message(s.id));
      expect((await chat(gw, [open])).status).toBe(200);
    });
  }

  it('a refusal on one scope gives back what the call reserved on the others', async () => {
    const key = scope('key', { maxBudget: 0.0075 }); // room for exactly one reservation
    const team = scope('team', { maxBudget: 0.001 });
    expect((await chat(gw, [key, team])).status).toBe(400);
    expect((await chat(gw, [key])).status).toBe(200);
  });

  it('a failed call gives back its whole reservation', async () => {
    const key = scope('key', { maxBudget: 0.0075 });
    const failed = await chat(gw, [key], { model: 'broken' });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await chat(gw, [key])).status).toBe(200);
  });

  it('a key budget for one model limits that model only', async () => {
    const key = scope('key', { alias: 'modelled', modelMaxBudget: { priced: { maxBudget: 0.005 } } });
    const refused = await chat(gw, [key], { model: 'priced' });
    expect(refused.status).toBe(400);
    expect(refused.json.error?.message).toBe(
      `LiteLLM Virtual Key: ${key.id}, key_alias: modelled, exceeded budget for model=priced. Current cost: 0, Max budget: 0.005`,
    );
    expect((await chat(gw, [key], { model: 'priced-b' })).status).toBe(200);
  });

  it('a model budget with its own duration resets on its own window', async () => {
    const key = scope('key', { budgetAnchor: Date.now(), modelMaxBudget: { priced: { maxBudget: 0.0075, budgetDuration: '30s' } } });
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

  it('without max_tokens the reservation assumes default_completion_tokens (1024)', async () => {
    // 6 + 1024 tokens = $1.03 reserved: a $1 budget refuses it, while max_tokens 1 fits.
    const team = scope('team', { maxBudget: 1 });
    expect((await chat(gw, [team], { maxTokens: null })).status).toBe(400);
    expect((await chat(gw, [team])).status).toBe(200);
  });

  it('a 30s budget window resets: refused at the end of one window, admitted in the next', async () => {
    const key = scope('key', { maxBudget: 0.01, budgetDuration: '30s', budgetAnchor: Date.now() });
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(400);
    advance(30_000);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(200);
    expect((await chat(gw, [key])).status).toBe(400);
  });

  it('a budget without duration never resets', async () => {
    const key = scope('key', { maxBudget: 0.0075 });
    expect((await chat(gw, [key])).status).toBe(200);
    advance(40 * 86_400_000);
    expect((await chat(gw, [key])).status).toBe(400);
  });

  it('a temporary budget increase counts until its expiry, then no more', async () => {
    const now = Date.now();
    const user = scope('user', { maxBudget: 0.005, tempBudgetIncrease: 0.01, tempBudgetExpiry: now + 60_000 });
    // Budget 0.015 while the increase lasts: five calls fit (the fifth reaches exactly 0.008 + 0.007), a sixth does not.
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
      expect(Number(rows[0].window_end) - Number(rows[0].window_start)).toBe(30 * 86_400_000);
    } finally {
      await db.destroy();
    }
  });
});

describe('window spend survives a restart (SQLite file, in-process counters)', () => {
  it('a restarted gateway starts from the spend of the window', async () => {
    const dbFile = join(tempDir(), 'sluice.db');
    const key = scope('key', { maxBudget: 0.01 });
    const first = await startGateway(budgetConfig(), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
    try {
      expect((await chat(first, [key])).status).toBe(200);
      expect((await chat(first, [key])).status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await startGateway(budgetConfig(), { env: { DATABASE_URL: `sqlite:${dbFile}` }, extraPluginDirs: [authDir] });
    try {
      // 0.004 spent before the restart: 0.004 + 0.007 no longer fits. A fresh counter would admit it.
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

