/**
 * Folds a batch of log rows into the deltas of the daily rollup tables: one delta per distinct
 * rollup key, so one upsert statement never touches the same row twice (Postgres refuses that).
 */
import { DAILY_KEYS, DAILY_TAG_KEYS } from './migrations.js';
import type { SpendLogRow } from './spend-row.js';

export interface Totals {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
}

export type DailyRow = Record<(typeof DAILY_KEYS)[number], string> & Totals;
export type DailyTagRow = Record<(typeof DAILY_TAG_KEYS)[number], string> & Totals;

/** UTC calendar day of an epoch-ms instant, `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function add(into: Totals, r: SpendLogRow): void {
  into.spend += r.spend;
  into.prompt_tokens += r.prompt_tokens;
  into.completion_tokens += r.completion_tokens;
  into.total_tokens += r.total_tokens;
  into.api_requests += 1;
  if (r.status === 'success') into.successful_requests += 1;
  else into.failed_requests += 1;
}

const zero = (): Totals => ({ spend: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, api_requests: 0, successful_requests: 0, failed_requests: 0 });

function fold<K extends string>(keys: readonly K[], entries: Iterable<[Record<K, string>, SpendLogRow]>): (Record<K, string> & Totals)[] {
  const out = new Map<string, Record<K, string> & Totals>();
  for (const [dims, row] of entries) {
    const id = keys.map((k) => dims[k]).join('\u0000');
    let acc = out.get(id);
    if (!acc) out.set(id, (acc = { ...dims, ...zero() }));
    add(acc, row);
  }
  // A fixed order, so concurrent writers lock rollup rows in the same order and never deadlock.
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export function dailyDeltas(rows: readonly SpendLogRow[]): DailyRow[] {
  return fold(
    DAILY_KEYS,
    rows.map((r) => [
      {
        day: dayOf(r.start_time),
        api_key: r.api_key,
        user_id: r.user_id ?? '',
        team_id: r.team_id ?? '',
        organization_id: r.organization_id ?? '',
        project_id: r.project_id ?? '',
        end_user: r.end_user ?? '',
        model: r.model,
        custom_llm_provider: r.custom_llm_provider ?? '',
      },
      r,
    ]),
  );
}

export function dailyTagDeltas(rows: readonly SpendLogRow[]): DailyTagRow[] {
  return fold(
    DAILY_TAG_KEYS,
    rows.flatMap((r) =>
      (JSON.parse(r.request_tags) as string[]).map((tag): [Record<(typeof DAILY_TAG_KEYS)[number], string>, SpendLogRow] => [
        { day: dayOf(r.start_time), tag, api_key: r.api_key, user_id: r.user_id ?? '', team_id: r.team_id ?? '', organization_id: r.organization_id ?? '', model: r.model },
        r,
      ]),
    ),
  );
}
