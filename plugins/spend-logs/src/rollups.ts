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

const DAY_MS = 86_400_000;
/** Dates end at ±8.64e15 ms; past it `toISOString` throws, and the cache must not answer instead. */
const LAST_CACHED_MS = 8.64e15 - DAY_MS;

// The day of the last instant asked for, and its bounds: a batch's rows almost all share one day,
// so the date is formatted once a day rather than once a row. Only days from 1970 on are kept, where
// every instant of [dayStart, dayEnd), fractions included, falls on that day.
let cachedDay = '';
let dayStart = 0;
let dayEnd = 0;

/** UTC calendar day of an epoch-ms instant, `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  if (typeof ms === 'number' && ms >= dayStart && ms < dayEnd) return cachedDay;
  const day = new Date(ms).toISOString().slice(0, 10);
  if (typeof ms === 'number' && ms >= 0 && ms < LAST_CACHED_MS) {
    dayStart = ms - (ms % DAY_MS);
    dayEnd = dayStart + DAY_MS;
    cachedDay = day;
  }
  return day;
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

/** A key part as `Array#join` writes it (null and undefined as ''), so rollup ids and order stay as they were. */
const part = (v: unknown): unknown => v ?? '';

/** A new group's totals; run once per distinct group of a batch. */
const noTotals = (): Totals => ({ spend: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, api_requests: 0, successful_requests: 0, failed_requests: 0 });

/** Deltas in a fixed order, so concurrent writers lock rollup rows in the same order and never deadlock. */
function sorted<T>(byId: Map<string, T>): T[] {
  if (byId.size <= 1) return [...byId.values()];
  // Ids are distinct strings: the default sort orders them by code unit, as `<` does.
  return [...byId.keys()].sort().map((id) => byId.get(id)!);
}

// A delta's id is its key columns joined by \u0000 in DAILY_KEYS / DAILY_TAG_KEYS order: it groups
// and orders them. Building and hashing that long string for every row is most of a fold's cost, so
// a row first looks among the deltas already used by its api_key (by its tag, in the tag table):
// when every key column is the same value (===), the joined id is the same too and is not built.

/** Deltas remembered per api_key (per tag); a key with more combinations builds ids for the rest. */
const RECENT_PER_KEY = 8;

export function dailyDeltas(rows: readonly SpendLogRow[]): DailyRow[] {
  const byId = new Map<string, DailyRow>();
  const recent = new Map<unknown, DailyRow[]>();
  for (const r of rows) {
    const day = dayOf(r.start_time);
    const userId = r.user_id ?? '';
    const teamId = r.team_id ?? '';
    const organizationId = r.organization_id ?? '';
    const projectId = r.project_id ?? '';
    const endUser = r.end_user ?? '';
    const provider = r.custom_llm_provider ?? '';
    let seen = recent.get(r.api_key);
    if (seen === undefined) recent.set(r.api_key, (seen = []));
    let acc: DailyRow | undefined;
    for (const d of seen) {
      if (
        d.day === day &&
        d.api_key === r.api_key &&
        d.user_id === userId &&
        d.team_id === teamId &&
        d.organization_id === organizationId &&
        d.project_id === projectId &&
        d.end_user === endUser &&
        d.model === r.model &&
        d.custom_llm_provider === provider
      ) {
        acc = d;
        break;
      }
    }
    if (acc === undefined) {
      const id = `${day}\u0000${part(r.api_key)}\u0000${userId}\u0000${teamId}\u0000${organizationId}\u0000${projectId}\u0000${endUser}\u0000${part(r.model)}\u0000${provider}`;
      acc = byId.get(id);
      if (!acc) {
        acc = {
          day,
          api_key: r.api_key,
          user_id: userId,
          team_id: teamId,
          organization_id: organizationId,
          project_id: projectId,
          end_user: endUser,
          model: r.model,
          custom_llm_provider: provider,
          ...noTotals(),
        };
        byId.set(id, acc);
      }
      if (seen.length < RECENT_PER_KEY) seen.push(acc);
    }
    add(acc, r);
  }
  return sorted(byId);
}

export function dailyTagDeltas(rows: readonly SpendLogRow[]): DailyTagRow[] {
  const byId = new Map<string, DailyTagRow>();
  const recent = new Map<unknown, DailyTagRow[]>();
  // Calls repeat the same few tag lists: parse each distinct one once a batch (the lists are only read).
  const parsed = new Map<string, unknown>();
  for (const r of rows) {
    const raw = r.request_tags;
    // Most rows carry no tag: no parse at all.
    if (raw === '[]') continue;
    let tags = parsed.get(raw) as string[] | undefined;
    if (tags === undefined) {
      tags = JSON.parse(raw) as string[];
      if (!Array.isArray(tags)) throw new TypeError(`request_tags is not a JSON array: ${raw}`);
      parsed.set(raw, tags);
    }
    if (tags.length === 0) continue;
    const day = dayOf(r.start_time);
    const userId = r.user_id ?? '';
    const teamId = r.team_id ?? '';
    const organizationId = r.organization_id ?? '';
    for (const tag of tags) {
      let seen = recent.get(tag);
      if (seen === undefined) recent.set(tag, (seen = []));
      let acc: DailyTagRow | undefined;
      for (const d of seen) {
        if (
          d.day === day &&
          d.tag === tag &&
          d.api_key === r.api_key &&
          d.user_id === userId &&
          d.team_id === teamId &&
          d.organization_id === organizationId &&
          d.model === r.model
        ) {
          acc = d;
          break;
        }
      }
      if (acc === undefined) {
        const id = `${day}\u0000${part(tag)}\u0000${part(r.api_key)}\u0000${userId}\u0000${teamId}\u0000${organizationId}\u0000${part(r.model)}`;
        acc = byId.get(id);
        if (!acc) {
          acc = {
            day,
            tag,
            api_key: r.api_key,
            user_id: userId,
            team_id: teamId,
            organization_id: organizationId,
            model: r.model,
            ...noTotals(),
          };
          byId.set(id, acc);
        }
        if (seen.length < RECENT_PER_KEY) seen.push(acc);
      }
      add(acc, r);
    }
  }
  return sorted(byId);
}
