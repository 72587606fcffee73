/** The pure parts: what a call is estimated to cost, which windows it counts in, and the spend ledger's retry. */
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@sluice/plugin-sdk';
import { tempDir } from '../../../test/support/gateway.js';
import { budgetLimitsOf, counterTtl, WINDOW_GRACE_MS } from '../src/budget-limits.js';
import { estimateCompletionTokens, estimatePromptTokens } from '../src/call-estimate.js';
import { LEARNED_MIN_SAMPLES, LEARNED_WINDOW, LearnedCompletions } from '../src/learned-completions.js';
import { MIGRATIONS, WINDOW_SPEND_TABLE } from '../src/migrations.js';
import { WindowSpendLedger } from '../src/window-spend-ledger.js';

describe('call estimate', () => {
  it('counts every text of the request, generously, plus per-message overhead', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'abc' },
        { role: 'user', content: [{ type: 'text', text: 'hello world' }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'finds' } }],
    };
    // system(6)+abc(3)+user(4)+text(4)+hello world(11) + function(8)+lookup(6)+finds(5) = 47 chars → 16 tokens, + 2×4.
    expect(estimatePromptTokens(body, 3)).toBe(16 + 8);
    expect(estimatePromptTokens({ model: 'm', input: ['abcdef', 'ghi'] }, 3)).toBe(3);
  });

  it('completion: max_completion_tokens, else max_tokens, else the default; times n; none for embeddings', () => {
    expect(estimateCompletionTokens('chat', { max_completion_tokens: 50, max_tokens: 10 }, 1024)).toBe(50);
    expect(estimateCompletionTokens('chat', { max_tokens: 10, n: 3 }, 1024)).toBe(30);
    expect(estimateCompletionTokens('completions', {}, 1024)).toBe(1024);
    expect(estimateCompletionTokens('embeddings', { max_tokens: 10 }, 1024)).toBe(0);
  });
});


describe('learned completion sizes (item 22)', () => {
  it('reserve the default until a model settled a few calls, then the largest recent completion per choice', () => {
    const learned = new LearnedCompletions(1024);
    for (let i = 1; i < LEARNED_MIN_SAMPLES; i++) learned.observe('m', 100, 1);
    expect(learned.tokensPerChoice('m')).toBe(1024);
    learned.observe('m', 240, 2); // two choices: 120 each
    expect(learned.tokensPerChoice('m')).toBe(120);
    expect(learned.tokensPerChoice('other')).toBe(1024);
  });

  it('forget a long reply once it is older than the window', () => {
    const learned = new LearnedCompletions(1024);
    learned.observe('m', 900, 1);
    for (let i = 0; i < LEARNED_WINDOW - 1; i++) learned.observe('m', 50, 1);
    expect(learned.tokensPerChoice('m')).toBe(900);
    learned.observe('m', 50, 1);
    expect(learned.tokensPerChoice('m')).toBe(50);
  });
});
describe('budget windows', () => {
  const anchor = Date.UTC(2025, 0, 1);

  it('no budget on any scope: nothing to check', () => {
    expect(budgetLimitsOf([{ kind: 'key', id: 'k', rpmLimit: 5 }, { kind: 'team', id: 't' }], 'm', anchor)).toBeUndefined();
  });

  it('windows are counted from the anchor; without a duration one window for ever', () => {
    const now = anchor + 45_000;
    const [windowed, forever] = budgetLimitsOf(
      [
        { kind: 'team', id: 't', maxBudget: 1, budgetDuration: '30s', budgetAnchor: anchor },
        { kind: 'user', id: 'u', softBudget: 2 },
      ],
      'm',
      now,
    )!;
    expect(windowed).toMatchObject({ windowStart: anchor + 30_000, windowEnd: anchor + 60_000, maxBudget: 1, softBudget: null });
    expect(counterTtl(windowed!, now)).toBe(15_000 + WINDOW_GRACE_MS);
    expect(forever).toMatchObject({ windowStart: 0, windowEnd: null, maxBudget: null, softBudget: 2 });
    expect(counterTtl(forever!, now)).toBeUndefined();
    expect(windowed!.key).not.toBe(budgetLimitsOf([{ kind: 'team', id: 't', maxBudget: 1, budgetDuration: '30s', budgetAnchor: anchor }], 'm', now + 30_000)![0]!.key);
  });

  it("a key's model budget applies to that model only, with its own window", () => {
    const key = { kind: 'key' as const, id: 'k', budgetAnchor: anchor, modelMaxBudget: { gpt: { maxBudget: 3, budgetDuration: '1d' } } };
    expect(budgetLimitsOf([key], 'other', anchor + 1)).toBeUndefined();
    expect(budgetLimitsOf([key], 'gpt', anchor + 90_000_000)).toEqual([
      expect.objectContaining({ model: 'gpt', maxBudget: 3, windowStart: anchor + 86_400_000, windowEnd: anchor + 2 * 86_400_000 }),
    ]);
  });

  it("windows align as LiteLLM's budget_reset_at (get_next_standardized_reset_time, UTC)", () => {
    const at = Date.UTC(2025, 4, 14, 15, 37, 12); // a Wednesday
    const win = (budgetDuration: string, budgetAnchor = anchor) => {
      const [l] = budgetLimitsOf([{ kind: 'team', id: 't', maxBudget: 1, budgetDuration, budgetAnchor }], 'm', at)!;
      return [new Date(l!.windowStart).toISOString(), new Date(l!.windowEnd!).toISOString()];
    };
    expect(win('1d')).toEqual(['2025-05-14T00:00:00.000Z', '2025-05-15T00:00:00.000Z']);
    expect(win('7d')).toEqual(['2025-05-12T00:00:00.000Z', '2025-05-19T00:00:00.000Z']); // Monday to Monday
    expect(win('1w')).toEqual(win('7d'));
    expect(win('30d')).toEqual(['2025-05-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
    expect(win('1mo')).toEqual(win('30d'));
    // Other day counts: steps of N days from the midnight of the anchor (the record's last reset).
    expect(win('10d', Date.UTC(2025, 4, 10, 13, 0))).toEqual(['2025-05-10T00:00:00.000Z', '2025-05-20T00:00:00.000Z']);
    expect(win('15m')).toEqual(['2025-05-14T15:30:00.000Z', '2025-05-14T15:45:00.000Z']);
    expect(win('5s')).toEqual(['2025-05-14T15:37:10.000Z', '2025-05-14T15:37:15.000Z']);
    expect(win('6h')).toEqual(['2025-05-14T12:00:00.000Z', '2025-05-14T18:00:00.000Z']);
    // 5 does not divide 24: the day's last window ends at midnight.
    expect(win('5h')).toEqual(['2025-05-14T15:00:00.000Z', '2025-05-14T20:00:00.000Z']);
    const late = budgetLimitsOf([{ kind: 'team', id: 't', maxBudget: 1, budgetDuration: '5h' }], 'm', Date.UTC(2025, 4, 14, 22))![0]!;
    expect(late.windowEnd).toBe(Date.UTC(2025, 4, 15));
  });

  it("a key's model budget matches the model with or without its provider prefix, on one counter", () => {
    const key = (name: string) => ({ kind: 'key' as const, id: 'k', modelMaxBudget: { [name]: { maxBudget: 1, budgetDuration: '1d' } } });
    const [prefixed] = budgetLimitsOf([key('gpt-4o-mini')], 'openai/gpt-4o-mini', anchor)!;
    expect(prefixed).toMatchObject({ model: 'gpt-4o-mini', calledModel: 'openai/gpt-4o-mini' });
    expect(prefixed!.key).toBe(budgetLimitsOf([key('gpt-4o-mini')], 'gpt-4o-mini', anchor)![0]!.key);
    expect(budgetLimitsOf([key('openai/gpt-4o-mini')], 'gpt-4o-mini', anchor)![0]).toMatchObject({ model: 'openai/gpt-4o-mini', calledModel: 'gpt-4o-mini' });
    expect(budgetLimitsOf([key('gpt-4o-mini')], 'gpt-4o', anchor)).toBeUndefined();
  });

  it('a temporary increase counts until it expires', () => {
    const s = { kind: 'user' as const, id: 'u', maxBudget: 10, tempBudgetIncrease: 5, tempBudgetExpiry: anchor + 1_000 };
    expect(budgetLimitsOf([s], 'm', anchor)![0]!.maxBudget).toBe(15);
    expect(budgetLimitsOf([s], 'm', anchor + 1_000)![0]!.maxBudget).toBe(10);
  });
});

describe('window spend ledger', () => {
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  let db: Knex | undefined;
  afterEach(() => db?.destroy());

  it('keeps spend the database refused and writes it on a later flush, added to what came meanwhile', async () => {
    db = knexFactory({ client: 'better-sqlite3', connection: { filename: join(tempDir(), 'ledger.db') }, useNullAsDefault: true });
    const ledger = new WindowSpendLedger(db, silent, Date.now);
    const ref = { kind: 'team' as const, id: 't', model: '', windowStart: 0, windowEnd: null };
    ledger.add(ref, 0.25);
    expect(await ledger.flush()).toBe(false); // no table yet: the database refuses
    ledger.add(ref, 0.5);
    await MIGRATIONS[0]!.up(db);
    expect(await ledger.spendOf(ref)).toBe(0.75);
    expect(await ledger.flush()).toBe(true);
    ledger.add(ref, 1);
    await ledger.close();
    const rows = await db(WINDOW_SPEND_TABLE).select();
    expect(rows).toHaveLength(1);
    expect(rows[0].spend).toBe(1.75);
  });
});
