/** LiteLLM's spend read API: /spend/logs (v1 list or daily summary), /spend/logs/v2 (pages), /spend/tags, /global/spend/report. */
import type { Knex } from 'knex';
import type { RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { SpendErrors } from './errors.js';
import { dateParam, intParam, numberParam, one, type Query } from './query-params.js';
import { dailySummary, GROUP_BYS, listLogs, SORT_KEYS, spendByTag, spendReport, type GroupBy, type LogFilter } from './spend-queries.js';
import { SPEND_READERS, visibilityOf } from './visibility.js';

/** v1 has no pages in LiteLLM (it returns every row); Sluice caps it and lets `page` walk on. */
const V1_MAX_ROWS = 1000;
const V2_MAX_PAGE_SIZE = 100;

function logFilter(q: Query): LogFilter {
  const f: LogFilter = {
    apiKey: one(q, 'api_key'),
    userId: one(q, 'user_id'),
    requestId: one(q, 'request_id'),
    teamId: one(q, 'team_id'),
    endUser: one(q, 'end_user'),
    model: one(q, 'model'),
    keyAlias: one(q, 'key_alias'),
    status: one(q, 'status_filter'),
    minSpend: numberParam(q, 'min_spend'),
    maxSpend: numberParam(q, 'max_spend'),
    startMs: dateParam(q, 'start_date', 'start'),
    endMs: dateParam(q, 'end_date', 'end'),
  };
  if (f.status !== undefined && f.status !== 'success' && f.status !== 'failure') {
    throw SpendErrors.INVALID_PARAM({ param: 'status_filter', reason: `expected success or failure, got ${JSON.stringify(f.status)}` }, { param: 'status_filter' });
  }
  return f;
}

function sortParams(q: Query): { sortBy?: string; sortOrder?: 'asc' | 'desc' } {
  const sortBy = one(q, 'sort_by');
  const sortOrder = one(q, 'sort_order');
  if (sortBy !== undefined && !SORT_KEYS.includes(sortBy)) {
    throw SpendErrors.INVALID_PARAM({ param: 'sort_by', reason: `expected one of ${SORT_KEYS.join(', ')}` }, { param: 'sort_by' });
  }
  if (sortOrder !== undefined && sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw SpendErrors.INVALID_PARAM({ param: 'sort_order', reason: 'expected asc or desc' }, { param: 'sort_order' });
  }
  return { sortBy, sortOrder: sortOrder as 'asc' | 'desc' | undefined };
}

/** An internal user asking for another user's rows gets its own instead, as in LiteLLM. */
function ownUser(req: RouteRequest, f: { userId?: string }): void {
  const p = req.principal;
  if (p && (p.role === 'internal_user' || p.role === 'internal_user_viewer') && p.userId !== undefined) f.userId = p.userId;
}

export function spendRoutes(knex: Knex): RouteDefinition[] {
  return [
    {
      method: 'GET',
      url: '/spend/logs',
      access: SPEND_READERS,
      summary: 'Spend log rows (newest first), or spend per day with start_date, end_date and summarize=true',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const v = visibilityOf(req.principal);
        const f = logFilter(req.query);
        ownUser(req, f);
        const summarize = one(req.query, 'summarize') !== 'false';
        if (summarize && one(req.query, 'start_date') !== undefined && one(req.query, 'end_date') !== undefined) {
          return { body: await dailySummary(knex, f, v) };
        }
        const page = intParam(req.query, 'page', 1, 1, 1_000_000);
        const pageSize = intParam(req.query, 'page_size', V1_MAX_ROWS, 1, V1_MAX_ROWS);
        const { rows } = await listLogs(knex, f, v, { page, pageSize });
        return { body: rows };
      },
    },
    {
      method: 'GET',
      url: '/spend/logs/v2',
      access: SPEND_READERS,
      summary: 'Spend log rows, paginated: {data, total, page, page_size, total_pages}',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const v = visibilityOf(req.principal);
        const f = logFilter(req.query);
        ownUser(req, f);
        const page = intParam(req.query, 'page', 1, 1, 1_000_000);
        const pageSize = intParam(req.query, 'page_size', 50, 1, V2_MAX_PAGE_SIZE);
        const { rows, total } = await listLogs(knex, f, v, { page, pageSize, ...sortParams(req.query) });
        return { body: { data: rows, total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) } };
      },
    },
    {
      method: 'GET',
      url: '/spend/tags',
      access: SPEND_READERS,
      summary: 'Requests and spend per request tag, dearest first',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const v = visibilityOf(req.principal);
        return { body: await spendByTag(knex, v, dateParam(req.query, 'start_date', 'start'), dateParam(req.query, 'end_date', 'end')) };
      },
    },
    {
      method: 'GET',
      url: '/global/spend/report',
      access: SPEND_READERS,
      summary: 'Daily spend grouped by team, customer, api_key, tag or model',
      tags: ['Budget & Spend Tracking'],
      async handler(req) {
        const v = visibilityOf(req.principal);
        const startMs = dateParam(req.query, 'start_date', 'start');
        const endMs = dateParam(req.query, 'end_date', 'end');
        if (startMs === undefined || endMs === undefined) throw SpendErrors.DATES_REQUIRED();
        const groupBy = (one(req.query, 'group_by') ?? 'team') as GroupBy;
        if (!GROUP_BYS.includes(groupBy)) {
          throw SpendErrors.INVALID_PARAM({ param: 'group_by', reason: `expected one of ${GROUP_BYS.join(', ')}` }, { param: 'group_by' });
        }
        const f = { startMs, endMs, apiKey: one(req.query, 'api_key'), userId: one(req.query, 'internal_user_id'), teamId: one(req.query, 'team_id'), customerId: one(req.query, 'customer_id') };
        ownUser(req, f);
        return { body: await spendReport(knex, groupBy, f, v) };
      },
    },
  ];
}
