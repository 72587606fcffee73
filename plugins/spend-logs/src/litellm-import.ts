/**
 * `sluice import litellm`, spend part: LiteLLM_SpendLogs → the spend log, streamed in pages by
 * (`startTime`, `request_id`) (LiteLLM's own index), never loaded whole. Each page is written as
 * the live writer writes a batch (spend-writer.ts): the log insert skips request ids already
 * stored, and only the rows it took are added to the daily rollups — so the rollups are rebuilt
 * from the imported logs exactly as Sluice builds them, and a second import changes nothing (days
 * without logs come from LiteLLM's daily tables: litellm-import-daily.ts).
 * With `--since`, rows from then on; with a `--follow` cursor, rows from the last one read (less an
 * overlap: LiteLLM writes its logs in batches, a row can land after later ones).
 */
import type { Importer, ImportInput, ImportOutcome, ImportTableReport, PluginContext } from '@sluice/plugin-sdk';
import type { Knex } from 'knex';
import { DAILY_KEYS, DAILY_TABLE, DAILY_TAG_KEYS, DAILY_TAG_TABLE, LOG_TABLE } from './migrations.js';
import { dailyDeltas, dailyTagDeltas, type Totals } from './rollups.js';
import { withoutSecrets, withoutSecretValues, type SpendLogRow } from './spend-row.js';
import { LOG_COLUMNS, logValues } from './spend-writer.js';
import { carryDailyTotals } from './litellm-import-daily.js';

const SOURCE = 'LiteLLM_SpendLogs';
const PAGE = 5000;
/** LiteLLM flushes its spend logs every ~60 s: a follow pass re-reads this far back (duplicates are skipped). */
const FOLLOW_OVERLAP_MS = 10 * 60_000;
const TOTALS: readonly (keyof Totals)[] = ['spend', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'api_requests', 'successful_requests', 'failed_requests'];
const WANTED = [
  'request_id', 'call_type', 'api_key', 'spend', 'total_tokens', 'prompt_tokens', 'completion_tokens', 'startTime', 'endTime', 'request_duration_ms', 'completionStartTime',
  'model', 'model_id', 'model_group', 'custom_llm_provider', 'api_base', 'user', 'metadata', 'cache_hit', 'cache_key', 'request_tags', 'team_id', 'organization_id', 'end_user',
  'requester_ip_address', 'messages', 'response', 'session_id', 'status', 'proxy_server_request', 'mcp_namespaced_tool_name', 'agent_id',
];
const NOT_CARRIED = ['mcp_namespaced_tool_name', 'agent_id'];
const DAILY_SOURCES = ['LiteLLM_DailyUserSpend', 'LiteLLM_DailyTagSpend', 'LiteLLM_DailyTeamSpend', 'LiteLLM_DailyOrganizationSpend', 'LiteLLM_DailyEndUserSpend'];

type SourceRow = Record<string, unknown>;

interface Cursor {
  t: string;
  id: string;
}

export function litellmSpendImporter(ctx: PluginContext): Importer {
  return { source: 'litellm', entity: 'spend-logs', after: ['tenancy'], run: (input) => runImport(ctx, input) };
}

async function runImport(ctx: PluginContext, { source, options, report, signal }: ImportInput): Promise<ImportOutcome> {
  const cols = await source.columns(SOURCE);
  const previous = options.cursor ? (JSON.parse(options.cursor) as Cursor) : undefined;
  if (!previous) {
    report.feature(SOURCE, cols.size > 0);
    for (const t of DAILY_SOURCES) {
      const carried = t === 'LiteLLM_DailyUserSpend' || t === 'LiteLLM_DailyTagSpend';
      report.feature(t, (await source.columns(t)).size > 0 ? (carried ? 'yes (days without spend logs are carried into the rollups)' : 'yes (not read: the same spend by another owner)') : false);
    }
  }
  const knex = ctx.database.knex as Knex;
  if (!previous) {
    // Days the imported logs cover get their rollups from the logs; earlier days from LiteLLM's daily tables.
    const first = options.since ?? (cols.size > 0 ? (await source.query<{ t: Date | null }>(`SELECT min("startTime") AS t FROM "${SOURCE}"`))[0]?.t : null);
    await carryDailyTotals(source, knex, report, options.dryRun, first ? first.toISOString().slice(0, 10) : undefined);
  }
  if (cols.size === 0) return previous ? { cursor: options.cursor } : {};
  const select = WANTED.filter((c) => cols.has(c)).map((c) => `"${c}"`).join(', ');
  const table = report.table(`${SOURCE} → ${LOG_TABLE}`);

  // Keyset paging on LiteLLM's ("startTime", request_id) index.
  let after: [Date, string] | undefined;
  const from = previous ? new Date(Date.parse(previous.t) - FOLLOW_OVERLAP_MS) : options.since;
  let last: Cursor | undefined = previous;
  for (;;) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (from) {
      params.push(from);
      where.push(`"startTime" >= $${params.length}`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`("startTime", "request_id") > ($${params.length - 1}, $${params.length})`);
    }
    params.push(PAGE);
    const rows = await source.query(
      `SELECT ${select} FROM "${SOURCE}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "startTime", "request_id" LIMIT $${params.length}`,
      params,
    );
    if (rows.length === 0) break;
    const end = rows[rows.length - 1]!;
    after = [end.startTime as Date, String(end.request_id)];
    last = { t: (end.startTime as Date).toISOString(), id: String(end.request_id) };
    table.read(rows.length);
    for (const f of NOT_CARRIED) {
      const n = rows.filter((r) => r[f] !== null && r[f] !== undefined && r[f] !== '').length;
      if (n > 0) table.notCarried(f, n);
    }
    const mapped = rows.map((r) => withoutSecretValues(spendRowOf(r), ctx.secrets.scrub));
    await (options.dryRun ? countNew(knex, mapped, table) : withRetries(() => writePage(ctx, mapped, table), ctx));
    if (rows.length < PAGE || signal.aborted) break;
  }
  return last ? { cursor: JSON.stringify(last) } : {};
}

/**
 * A page is one transaction that skips stored request ids, so writing it again is safe: a
 * connection lost mid-page (a database restart, a failover) costs a retry, not the whole import.
 */
async function withRetries(write: () => Promise<void>, ctx: PluginContext, attempts = 4): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      if (i >= attempts) throw err;
      ctx.log.warn({ err: (err as Error).message, attempt: i }, 'writing a page of spend logs failed; retrying it');
      await new Promise((r) => setTimeout(r, 500 * 2 ** i));
    }
  }
}

async function countNew(knex: Knex, rows: SpendLogRow[], table: ImportTableReport): Promise<void> {
  const ids = rows.map((r) => r.request_id);
  let stored = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const [{ n }] = (await knex(LOG_TABLE).whereIn('request_id', ids.slice(i, i + 1000)).count({ n: '*' })) as Array<{ n: number | string }>;
    stored += Number(n);
  }
  table.unchanged(stored);
  table.inserted(rows.length - stored);
}

async function writePage(ctx: PluginContext, rows: SpendLogRow[], table: ImportTableReport): Promise<void> {
  const valuesOf = (columns: readonly string[], row: object): unknown[] => columns.map((c) => (row as Record<string, unknown>)[c]);
  // Counted once committed: a page retried after a failed commit is not counted twice.
  const inserted = await ctx.database.batch(async (write) => {
    const took = await write.insert(LOG_TABLE, LOG_COLUMNS, rows.map(logValues), { ignoreConflictOn: 'request_id' });
    const fresh = rows.filter((_, i) => took[i]);
    const daily = dailyDeltas(fresh);
    await write.increment(DAILY_TABLE, DAILY_KEYS, TOTALS, daily.map((d) => valuesOf([...DAILY_KEYS, ...TOTALS], d)));
    const tags = dailyTagDeltas(fresh);
    await write.increment(DAILY_TAG_TABLE, DAILY_TAG_KEYS, TOTALS, tags.map((d) => valuesOf([...DAILY_TAG_KEYS, ...TOTALS], d)));
    return fresh.length;
  });
  table.inserted(inserted);
  table.unchanged(rows.length - inserted);
}

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const int = (v: unknown): number => (Number.isFinite(Number(v)) ? Math.max(0, Math.round(Number(v))) : 0);
const time = (v: unknown): number | null => (v instanceof Date ? v.getTime() : v ? Date.parse(String(v)) || null : null);

function json(v: unknown): Record<string, unknown> | unknown[] | null {
  let value = v;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
}

/** A JSON column LiteLLM fills with `{}` when it stores nothing (prompts off): kept only when it holds something. */
function stored(v: unknown): string | null {
  const value = json(v);
  if (value === null || (typeof value === 'object' && Object.keys(value).length === 0)) return null;
  return JSON.stringify(withoutSecrets(value));
}

/** LiteLLM's row as Sluice's: same names but `user` → user_id, times in ms, the key's alias and project from metadata. */
export function spendRowOf(r: SourceRow): SpendLogRow {
  const metadata = (json(r.metadata) as Record<string, unknown> | null) ?? {};
  const start = time(r.startTime) ?? 0;
  const end = time(r.endTime) ?? start;
  const failed = r.status === 'failure';
  const errorInfo = (metadata.error_information as Record<string, unknown> | undefined) ?? {};
  const errorCode = str(errorInfo.error_code);
  const httpStatus = failed ? (Number(errorCode) >= 400 && Number(errorCode) <= 599 ? Number(errorCode) : 500) : 200;
  const tags = json(r.request_tags);
  const prompt = int(r.prompt_tokens);
  const completion = int(r.completion_tokens);
  return {
    request_id: String(r.request_id),
    call_type: str(r.call_type) ?? 'acompletion',
    api_key: str(r.api_key) ?? '',
    key_alias: str(metadata.user_api_key_alias),
    user_id: str(r.user) ?? str(metadata.user_api_key_user_id),
    team_id: str(r.team_id) ?? str(metadata.user_api_key_team_id),
    organization_id: str(r.organization_id) ?? str(metadata.user_api_key_org_id),
    project_id: str(metadata.user_api_key_project_id) ?? str(metadata.project_id),
    end_user: str(r.end_user),
    model: str(r.model) ?? '',
    model_group: str(r.model_group) ?? '',
    model_id: str(r.model_id),
    custom_llm_provider: str(r.custom_llm_provider),
    api_base: str(r.api_base),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: int(r.total_tokens) || prompt + completion,
    spend: Math.max(0, Number(r.spend) || 0),
    request_tags: JSON.stringify(Array.isArray(tags) ? [...new Set(tags.map(String))] : []),
    status: failed ? 'failure' : 'success',
    http_status: httpStatus,
    error_code: failed ? errorCode : null,
    start_time: start,
    end_time: end,
    request_duration_ms: r.request_duration_ms === null || r.request_duration_ms === undefined ? Math.max(0, end - start) : int(r.request_duration_ms),
    metadata: JSON.stringify(withoutSecrets(metadata)),
    response_id: String(r.request_id),
    cache_hit: r.cache_hit === 'True' || r.cache_hit === 'False' ? r.cache_hit : '',
    cache_key: str(r.cache_key),
    session_id: str(r.session_id),
    requester_ip_address: str(r.requester_ip_address),
    completion_start_time: time(r.completionStartTime),
    messages: stored(r.messages),
    response: stored(r.response),
    proxy_server_request: stored(r.proxy_server_request),
  };
}
