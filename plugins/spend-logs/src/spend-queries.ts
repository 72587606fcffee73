/** Reads for the spend routes: log rows (paginated) from the log, every report from the rollups. */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { DAILY_TABLE, DAILY_TAG_TABLE, LOG_TABLE } from './migrations.js';
import { dayOf } from './rollups.js';
import { visible, type Visibility } from './visibility.js';

export interface LogFilter {
  apiKey?: string;
  userId?: string;
  requestId?: string;
  teamId?: string;
  endUser?: string;
  model?: string;
  keyAlias?: string;
  status?: string;
  minSpend?: number;
  maxSpend?: number;
  startMs?: number;
  endMs?: number;
}

/** `api_key` may be given as the key itself (`sk-…`) or as its hash, as LiteLLM accepts. */
export function keyHashOf(apiKey: string): string {
  return apiKey.startsWith('sk-') ? createHash('sha256').update(apiKey).digest('hex') : apiKey;
}

const SORTABLE: Record<string, string> = { startTime: 'start_time', endTime: 'end_time', spend: 'spend', total_tokens: 'total_tokens', request_duration_ms: 'request_duration_ms' };
export const SORT_KEYS = Object.keys(SORTABLE);

function logQuery(knex: Knex, f: LogFilter, v: Visibility): Knex.QueryBuilder {
  const q = visible(knex(LOG_TABLE), v);
  if (f.apiKey !== undefined) q.where('api_key', keyHashOf(f.apiKey));
  if (f.userId !== undefined) q.where('user_id', f.userId);
  // LiteLLM's request_id is the provider's response id; the gateway's own id finds the row too. Both indexed.
  if (f.requestId !== undefined) q.where((b) => b.where('response_id', f.requestId!).orWhere('request_id', f.requestId!));
  if (f.teamId !== undefined) q.where('team_id', f.teamId);
  if (f.endUser !== undefined) q.where('end_user', f.endUser);
  if (f.model !== undefined) q.where('model', f.model);
  if (f.keyAlias !== undefined) q.where('key_alias', f.keyAlias);
  if (f.status !== undefined) q.where('status', f.status);
  if (f.minSpend !== undefined) q.where('spend', '>=', f.minSpend);
  if (f.maxSpend !== undefined) q.where('spend', '<=', f.maxSpend);
  if (f.startMs !== undefined) q.where('start_time', '>=', f.startMs);
  if (f.endMs !== undefined) q.where('start_time', '<=', f.endMs);
  return q;
}

type DbRow = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const iso = (v: unknown): string => new Date(num(v)).toISOString();

/** A stored JSON text as LiteLLM returns its Json columns; `{}` when nothing was stored. */
function storedJson(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return {};
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v; // a string cut by the size bound is stored as it is
  }
}

/** A log row in LiteLLM_SpendLogs' shape (every field of it; `messages`, `response` and `proxy_server_request` are `{}` unless `store_prompts_in_spend_logs` stored them). */
export function logView(r: DbRow): Record<string, unknown> {
  return {
    request_id: r.response_id ?? r.request_id,
    sluice_request_id: r.request_id,
    call_type: r.call_type,
    api_key: r.api_key,
    spend: num(r.spend),
    total_tokens: num(r.total_tokens),
    prompt_tokens: num(r.prompt_tokens),
    completion_tokens: num(r.completion_tokens),
    startTime: iso(r.start_time),
    endTime: iso(r.end_time),
    // A stream's first chunk; for a whole answer LiteLLM's value, its end.
    completionStartTime: iso(r.completion_start_time ?? r.end_time),
    request_duration_ms: num(r.request_duration_ms),
    model: r.model,
    model_id: r.model_id ?? '',
    model_group: r.model_group,
    custom_llm_provider: r.custom_llm_provider ?? '',
    api_base: r.api_base ?? '',
    user: r.user_id ?? '',
    metadata: {
      ...(JSON.parse(String(r.metadata)) as object),
      user_api_key: r.api_key,
      user_api_key_alias: r.key_alias,
      user_api_key_user_id: r.user_id,
      user_api_key_team_id: r.team_id,
      user_api_key_org_id: r.organization_id,
      user_api_key_project_id: r.project_id,
      status_code: num(r.http_status),
      error_code: r.error_code,
    },
    cache_hit: r.cache_hit ?? '',
    cache_key: r.cache_key ?? '',
    request_tags: JSON.parse(String(r.request_tags)) as string[],
    team_id: r.team_id,
    organization_id: r.organization_id,
    project_id: r.project_id,
    end_user: r.end_user ?? '',
    requester_ip_address: r.requester_ip_address ?? '',
    messages: storedJson(r.messages),
    response: storedJson(r.response),
    proxy_server_request: storedJson(r.proxy_server_request),
    session_id: r.session_id ?? null,
    mcp_namespaced_tool_name: null,
    status: r.status,
  };
}

export interface Page {
  page: number;
  pageSize: number;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

export async function listLogs(knex: Knex, f: LogFilter, v: Visibility, p: Page): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  const [{ n }] = (await logQuery(knex, f, v).count({ n: '*' })) as { n: unknown }[] as [{ n: unknown }];
  const column = SORTABLE[p.sortBy ?? 'startTime'] ?? 'start_time';
  const order = p.sortOrder ?? 'desc';
  const rows = (await logQuery(knex, f, v)
    .select()
    .orderBy([{ column, order }, { column: 'request_id', order }])
    .limit(p.pageSize)
    .offset((p.page - 1) * p.pageSize)) as DbRow[];
  return { rows: rows.map(logView), total: num(n) };
}

/** Rollup rows of a day range (`YYYY-MM-DD`, inclusive). */
function dayRange(q: Knex.QueryBuilder, startMs: number | undefined, endMs: number | undefined): Knex.QueryBuilder {
  if (startMs !== undefined) q.where('day', '>=', dayOf(startMs));
  if (endMs !== undefined) q.where('day', '<=', dayOf(endMs));
  return q;
}

/** `/spend/tags`: requests and spend per tag, dearest first. */
export async function spendByTag(knex: Knex, v: Visibility, startMs?: number, endMs?: number) {
  const rows = (await dayRange(visible(knex(DAILY_TAG_TABLE), v), startMs, endMs)
    .select('tag')
    .sum({ log_count: 'api_requests', total_spend: 'spend' })
    .groupBy('tag')) as DbRow[];
  return rows
    .map((r) => ({ individual_request_tag: String(r.tag), log_count: num(r.log_count), total_spend: num(r.total_spend) }))
    .sort((a, b) => b.total_spend - a.total_spend || a.individual_request_tag.localeCompare(b.individual_request_tag));
}

/** `/spend/logs` with a date range and `summarize` (LiteLLM's legacy default): spend per day, key, user, model. */
export async function dailySummary(knex: Knex, f: LogFilter, v: Visibility) {
  const q = dayRange(visible(knex(DAILY_TABLE), v), f.startMs, f.endMs);
  if (f.apiKey !== undefined) q.where('api_key', keyHashOf(f.apiKey));
  if (f.userId !== undefined) q.where('user_id', f.userId);
  const rows = (await q.select('day', 'api_key', 'user_id', 'model').sum({ spend: 'spend' }).groupBy('day', 'api_key', 'user_id', 'model').orderBy('day')) as DbRow[];
  const byDay = new Map<string, { startTime: string; spend: number; users: Record<string, number>; models: Record<string, number>; [apiKey: string]: unknown }>();
  for (const r of rows) {
    const day = String(r.day);
    let d = byDay.get(day);
    if (!d) byDay.set(day, (d = { startTime: day, spend: 0, users: {}, models: {} }));
    const spend = num(r.spend);
    const user = String(r.user_id);
    const model = String(r.model);
    const key = String(r.api_key);
    d.spend += spend;
    d[key] = num(d[key]) + spend;
    d.users[user] = (d.users[user] ?? 0) + spend;
    d.models[model] = (d.models[model] ?? 0) + spend;
  }
  return [...byDay.values()];
}

export type GroupBy = 'team' | 'customer' | 'api_key' | 'tag' | 'model';
export const GROUP_BYS: GroupBy[] = ['team', 'customer', 'api_key', 'tag', 'model'];

export interface ReportFilter {
  startMs: number;
  endMs: number;
  apiKey?: string;
  userId?: string;
  teamId?: string;
  customerId?: string;
}

/** `/global/spend/report` in LiteLLM's shapes, read from the rollups. */
export async function spendReport(knex: Knex, groupBy: GroupBy, f: ReportFilter, v: Visibility): Promise<unknown[]> {
  const table = groupBy === 'tag' ? DAILY_TAG_TABLE : DAILY_TABLE;
  const q = dayRange(visible(knex(table), v), f.startMs, f.endMs);
  if (f.apiKey !== undefined) q.where('api_key', keyHashOf(f.apiKey));
  if (f.userId !== undefined) q.where('user_id', f.userId);
  if (f.teamId !== undefined) q.where('team_id', f.teamId);
  if (f.customerId !== undefined && table === DAILY_TABLE) q.where('end_user', f.customerId);

  if (groupBy === 'api_key') {
    const rows = (await q
      .select('api_key', 'model')
      .sum({ total_cost: 'spend', total_input_tokens: 'prompt_tokens', total_output_tokens: 'completion_tokens' })
      .groupBy('api_key', 'model')) as DbRow[];
    const byKey = new Map<string, { api_key: string; total_cost: number; total_input_tokens: number; total_output_tokens: number; model_details: object[] }>();
    for (const r of rows) {
      const key = String(r.api_key);
      let k = byKey.get(key);
      if (!k) byKey.set(key, (k = { api_key: key, total_cost: 0, total_input_tokens: 0, total_output_tokens: 0, model_details: [] }));
      const detail = { model: String(r.model), total_cost: num(r.total_cost), total_input_tokens: num(r.total_input_tokens), total_output_tokens: num(r.total_output_tokens) };
      k.total_cost += detail.total_cost;
      k.total_input_tokens += detail.total_input_tokens;
      k.total_output_tokens += detail.total_output_tokens;
      k.model_details.push(detail);
    }
    return [...byKey.values()].sort((a, b) => b.total_cost - a.total_cost);
  }

  const column = { team: 'team_id', customer: 'end_user', tag: 'tag', model: 'model' }[groupBy];
  const rows = (await q
    .select('day', { grp: column }, 'model', 'api_key')
    .sum({ spend: 'spend', total_tokens: 'total_tokens' })
    .groupBy('day', column, 'model', 'api_key')
    .orderBy([{ column: 'day' }, { column }])) as DbRow[];
  const [listName, nameField] = ({ team: ['teams', 'team_name'], customer: ['customers', 'customer'], tag: ['tags', 'tag'], model: ['models', 'model'] } as const)[groupBy];
  const days = new Map<string, Map<string, { total_spend: number; metadata: object[] }>>();
  for (const r of rows) {
    const day = String(r.day);
    let groups = days.get(day);
    if (!groups) days.set(day, (groups = new Map()));
    // LiteLLM names teams by alias and falls back to 'Unassigned Team'; spend rows carry the id.
    const raw = String(r.grp);
    const name = raw === '' ? (groupBy === 'team' ? 'Unassigned Team' : '') : raw;
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { total_spend: 0, metadata: [] }));
    const spend = num(r.spend);
    g.total_spend += spend;
    g.metadata.push({ model: String(r.model), api_key: String(r.api_key), spend, total_tokens: num(r.total_tokens) });
  }
  return [...days.entries()].map(([day, groups]) => ({
    group_by_day: `${day}T00:00:00+00:00`,
    [listName]: [...groups.entries()].map(([name, g]) => ({ [nameField]: name === '' && groupBy === 'customer' ? null : name, total_spend: g.total_spend, metadata: g.metadata })),
  }));
}
