/**
 * The governance contract: the limits that apply to a call, as data. The tenancy plugin resolves
 * them once per key (cached with the key) and per request for the parts named by the request
 * (customer from `user`, tags); the rate-limit and budget plugins enforce them without knowing
 * where they came from. Kong's "config scope is data, resolved once per request" applied to limits.
 */

export type ScopeKind = 'key' | 'user' | 'team' | 'organization' | 'project' | 'customer' | 'tag';

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
