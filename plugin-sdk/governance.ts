/**
 * The governance contract: the limits that apply to a call, as data. The tenancy plugin resolves
 * them once per key (cached with the key) and per request for the parts named by the request
 * (customer from `user`, tags); the rate-limit and budget plugins enforce them without knowing
 * where they came from. Kong's "config scope is data, resolved once per request" applied to limits.
 */

/**
 * `team_member`: a user's budget and limits inside one team (LiteLLM's team membership), id
 * `teamMemberScopeId(team, user)`; `proxy`: the whole gateway (LiteLLM's `litellm-proxy-budget`).
 */
export type ScopeKind = 'key' | 'user' | 'team' | 'organization' | 'project' | 'customer' | 'tag' | 'team_member' | 'proxy';

/** The id of a `team_member` scope: team and user, both recoverable (`teamMemberOfScopeId`). */
export function teamMemberScopeId(teamId: string, userId: string): string {
  return JSON.stringify([teamId, userId]);
}

/** The team and user of a `team_member` scope id. */
export function teamMemberOfScopeId(id: string): { teamId: string; userId: string } {
  try {
    const [teamId, userId] = JSON.parse(id) as [string, string];
    return { teamId: String(teamId), userId: String(userId) };
  } catch {
    return { teamId: id, userId: id };
  }
}

/** A budget limited to one model on a key (LiteLLM `model_max_budget`). */
export interface ModelBudget {
  maxBudget: number;
  /** `30s`, `30m`, `30h`, `30d`; absent = never resets. */
  budgetDuration?: string | null;
}

export interface LimitScope {
  kind: ScopeKind;
  /** The entity's id (a key's SHA-256 hash, a team id, a tag name…). */
  id: string;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  maxParallelRequests?: number | null;
  /** Hard budget in USD for the current budget window. */
  maxBudget?: number | null;
  /** Alert threshold in USD (no refusal). */
  softBudget?: number | null;
  /** `30s`, `30m`, `30h`, `30d`; absent = the budget never resets. */
  budgetDuration?: string | null;
  /** Epoch ms the budget windows are counted from (the entity's creation or last reset). */
  budgetAnchor?: number;
  /** Temporary addition to `maxBudget` until `tempBudgetExpiry` (epoch ms). */
  tempBudgetIncrease?: number | null;
  tempBudgetExpiry?: number | null;
  /** Per-model limits (keys only), by model group name. */
  modelMaxBudget?: Readonly<Record<string, ModelBudget>>;
  modelRpmLimit?: Readonly<Record<string, number>>;
  modelTpmLimit?: Readonly<Record<string, number>>;
  /** Who hears soft-budget alerts about this scope. */
  alertEmails?: readonly string[];
  /** Human name for alerts and reports (key alias, team alias…). */
  alias?: string | null;
}

const DURATION = /^(\d+)\s*(s|m|h|d|w|mo)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, mo: 2_592_000_000 };

/** Parses LiteLLM's `budget_duration` / `duration` (`30s`, `30m`, `30h`, `30d`, `1w`, `1mo`) to ms; undefined when malformed. */
export function parseDuration(value: string): number | undefined {
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n * UNIT_MS[m[2]!]! : undefined;
}

/** The budget window a moment falls in: windows of `durationMs` counted from `anchor`. */
export function budgetWindowOf(now: number, durationMs: number, anchor = 0): { start: number; end: number } {
  const start = anchor + Math.floor((now - anchor) / durationMs) * durationMs;
  return { start, end: start + durationMs };
}

const DAY_MS = 86_400_000;
const CLOCK_MS: Record<string, { unit: number; container: number }> = {
  s: { unit: 1_000, container: 60_000 },
  m: { unit: 60_000, container: 3_600_000 },
  h: { unit: 3_600_000, container: DAY_MS },
};

function firstOfMonth(at: number, addMonths = 0): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1);
}

/**
 * The budget window `now` falls in, aligned as LiteLLM aligns `budget_reset_at`
 * (`get_next_standardized_reset_time`, UTC): `1d` ends at the next midnight, `7d`/`1w` on the next
 * Monday, `30d`/`1mo` on the 1st of the next month; other day counts run from a midnight (that of
 * `anchor`, the record's creation or last reset) in steps of N days; `Ns`/`Nm`/`Nh` are aligned to
 * the clock (`15m` ends at :00, :15, :30, :45). Where N does not divide the minute, hour or day, the
 * last window of that minute, hour or day ends at its boundary (LiteLLM carries it over). `Nmo`
 * with N > 1 (which LiteLLM refuses) runs in steps of N months from the 1st of `anchor`'s month.
 * Undefined for a malformed or zero duration.
 */
export function budgetWindow(duration: string, now: number, anchor = now): { start: number; end: number } | undefined {
  const m = DURATION.exec(duration.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!;
  if (!(n > 0)) return undefined;
  const clock = CLOCK_MS[unit];
  if (clock) {
    const containerStart = Math.floor(now / clock.container) * clock.container;
    const step = n * clock.unit;
    const start = containerStart + Math.floor((now - containerStart) / step) * step;
    return { start, end: Math.min(start + step, containerStart + clock.container) };
  }
  const days = unit === 'w' ? n * 7 : unit === 'd' ? n : undefined;
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  if (days === 1) return { start: midnight, end: midnight + DAY_MS };
  if (days === 7) {
    const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
    const start = midnight - sinceMonday * DAY_MS;
    return { start, end: start + 7 * DAY_MS };
  }
  if (days === 30 || (unit === 'mo' && n === 1)) return { start: firstOfMonth(now), end: firstOfMonth(now, 1) };
  if (days !== undefined) return budgetWindowOf(now, days * DAY_MS, Math.floor(anchor / DAY_MS) * DAY_MS);
  // Nmo, N > 1: whole months counted from the anchor's month.
  const a = new Date(anchor);
  const t = new Date(now);
  const months = (t.getUTCFullYear() - a.getUTCFullYear()) * 12 + (t.getUTCMonth() - a.getUTCMonth());
  const k = Math.floor(months / n) * n;
  return { start: Date.UTC(a.getUTCFullYear(), a.getUTCMonth() + k, 1), end: Date.UTC(a.getUTCFullYear(), a.getUTCMonth() + k + n, 1) };
}
