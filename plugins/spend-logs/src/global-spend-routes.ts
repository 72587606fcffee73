/**
 * LiteLLM's global spend views, read from the daily rollups (never the log): /global/spend/logs
 * (spend per day, optionally for one key), /global/spend/keys and /global/spend/models (the
 * dearest keys and models of the last 30 days) and /global/spend (total). Each caller sees only
 * its share (visibility.ts), as with the other spend routes.
 */
import type { Knex } from 'knex';
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { DAILY_TABLE } from './migrations.js';
import { intParam, one } from './query-params.js';
import { dayOf } from './rollups.js';
import { keyHashOf } from './spend-queries.js';
import { SPEND_READERS, visibilityOf, visible } from './visibility.js';

const DAY_MS = 86_400_000;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** LiteLLM's "last 30 days" views (Last30dKeysBySpend, Last30dModelsBySpend, MonthlyGlobalSpend). */
const last30Days = (now: number) => dayOf(now - 30 * DAY_MS);

export function globalSpendRoutes(knex: Knex, now: () => number, proxyMaxBudget: () => number): RouteDefinition[] {
  return [
    {
      method: 'GET',
      url: '/global/spend/logs',
      access: SPEND_READERS,
      summary: 'Spend per day over the last 30 days (optionally of one api_key)',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const q = visible(knex(DAILY_TABLE), visibilityOf(req.principal)).where('day', '>=', last30Days(now()));
        const apiKey = one(req.query, 'api_key');
        if (apiKey !== undefined) q.where('api_key', keyHashOf(apiKey));
        const rows = (await q.select('day').sum({ spend: 'spend' }).groupBy('day').orderBy('day')) as Array<Record<string, unknown>>;
        return { body: rows.map((r) => ({ date: `${String(r.day)}T00:00:00+00:00`, spend: num(r.spend) })) };
      },
    },
    {
      method: 'GET',
      url: '/global/spend/keys',
      access: SPEND_READERS,
      summary: 'The keys that spent most over the last 30 days (`limit`, default 5)',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const limit = intParam(req.query, 'limit', 5, 1, 1000);
        const rows = (await visible(knex(DAILY_TABLE), visibilityOf(req.principal))
          .where('day', '>=', last30Days(now()))
          .select('api_key')
          .sum({ total_spend: 'spend' })
          .groupBy('api_key')
          .orderBy([{ column: 'total_spend', order: 'desc' }, { column: 'api_key' }])
          .limit(limit)) as Array<Record<string, unknown>>;
        // The rollups hold the key's hash only; its alias and name live with the key (/key/info).
        return { body: rows.map((r) => ({ api_key: String(r.api_key), key_alias: null, key_name: null, total_spend: num(r.total_spend) })) };
      },
    },
    {
      method: 'GET',
      url: '/global/spend/models',
      access: SPEND_READERS,
      summary: 'The models that cost most over the last 30 days (`limit`, default 5)',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const limit = intParam(req.query, 'limit', 5, 1, 1000);
        const rows = (await visible(knex(DAILY_TABLE), visibilityOf(req.principal))
          .where('day', '>=', last30Days(now()))
          .select('model')
          .sum({ total_spend: 'spend' })
          .groupBy('model')
          .orderBy([{ column: 'total_spend', order: 'desc' }, { column: 'model' }])
          .limit(limit)) as Array<Record<string, unknown>>;
        return { body: rows.map((r) => ({ model: String(r.model), total_spend: num(r.total_spend) })) };
      },
    },
    {
      method: 'GET',
      url: '/global/spend',
      access: SPEND_READERS,
      summary: 'Total spend, and the proxy budget (litellm_settings.max_budget)',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const [row] = (await visible(knex(DAILY_TABLE), visibilityOf(req.principal)).sum({ spend: 'spend' })) as Array<Record<string, unknown>>;
        return { body: { spend: num(row?.spend), max_budget: proxyMaxBudget() } };
      },
    },
  ];
}
