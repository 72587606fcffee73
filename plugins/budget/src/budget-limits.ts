/**
 * Which budgets a call is checked against: one entry per scope with a hard or soft budget, plus
 * the key's budget for the requested model, each resolved to the budget window `now` falls in.
 */
import { budgetWindow, type LimitScope, type ScopeKind } from '@sluice/plugin-sdk';

/** The effective hard budget of a scope at `now`, counting a temporary increase still in force. */
function effectiveBudget(scope: LimitScope, now: number): number | undefined {
  if (scope.maxBudget === null || scope.maxBudget === undefined) return undefined;
  const temp = scope.tempBudgetIncrease && scope.tempBudgetExpiry && scope.tempBudgetExpiry > now ? scope.tempBudgetIncrease : 0;
  return scope.maxBudget + temp;
}

/** One scope's spend in one budget window: the unit that is counted, persisted and alerted on. */
export interface WindowRef {
  kind: ScopeKind;
  id: string;
  /** '' for the scope's overall budget; the model group for a key's model budget. */
  model: string;
  /** Epoch ms; 0 when the budget has no duration (one window for ever). */
  windowStart: number;
  /** Epoch ms; null when the budget has no duration. */
  windowEnd: number | null;
}

export interface BudgetLimit extends WindowRef {
  /** Counter holding the window's settled spend plus the reservations of calls in flight. */
  key: string;
  /** The model as the call named it (a model budget's refusal names it; `model` is the budget's entry). */
  calledModel?: string;
  /** Hard budget in force now (temporary increase included); null when only a soft budget is set. */
  maxBudget: number | null;
  softBudget: number | null;
  alias: string | null;
  alertEmails: readonly string[];
}

const NO_EMAILS: readonly string[] = Object.freeze([]);

// LiteLLM's aligned windows (`1d` → midnight to midnight UTC, `1mo` → the calendar month…), the
// same windows the tenancy records' `budget_reset_at` follows.
function windowOf(now: number, duration: string | null | undefined, anchor: number | undefined): { start: number; end: number | null } {
  const w = duration ? budgetWindow(duration, now, anchor ?? 0) : undefined;
  return w ?? { start: 0, end: null };
}

function counterKey(kind: ScopeKind, id: string, model: string, windowStart: number): string {
  return model === '' ? `budget:${kind}:${id}:${windowStart}` : `budget:${kind}:${id}:model:${model}:${windowStart}`;
}

/** Counter of a window's settled spend alone (soft budgets alert on spend, not on reservations). */
export function settledKey(limit: BudgetLimit): string {
  return `budget:settled:${limit.key.slice('budget:'.length)}`;
}

const isSet = (n: number | null | undefined): n is number => n !== null && n !== undefined && Number.isFinite(n);

const withoutProvider = (model: string): string => model.slice(model.lastIndexOf('/') + 1);

/**
 * Which entry of a key's `model_max_budget` a call to `model` counts against, as LiteLLM's
 * _PROXY_VirtualKeyModelMaxBudgetLimiter matches: the model as called, else the model without its
 * provider prefix (`openai/gpt-4o-mini` → `gpt-4o-mini`); and an entry written with a prefix matches
 * the bare name. Calls to both names count on the one entry.
 */
export function modelBudgetName(budgets: Readonly<Record<string, unknown>>, model: string): string | undefined {
  if (Object.hasOwn(budgets, model)) return model;
  const bare = withoutProvider(model);
  if (bare !== model && Object.hasOwn(budgets, bare)) return bare;
  for (const name in budgets) if (name.includes('/') && withoutProvider(name) === bare) return name;
  return undefined;
}

/** A scope's overall budget limit and until when it holds (its window's end, or a temporary increase's expiry). */
const overallLimits = new WeakMap<LimitScope, { limit: BudgetLimit; until: number }>();

/**
 * The scope's overall budget limit at `now`. Scopes are long-lived objects (a key's record
 * serves many calls), so one frozen limit serves every call of its window: no object, counter
 * key or window arithmetic per call, and the spend event's freeze finds it frozen already.
 */
function overallLimitOf(s: LimitScope, now: number): BudgetLimit | undefined {
  const cached = overallLimits.get(s);
  if (cached !== undefined && now < cached.until && now >= cached.limit.windowStart) return cached.limit;
  const hard = isSet(s.maxBudget) ? effectiveBudget(s, now)! : null;
  const soft = isSet(s.softBudget) ? s.softBudget : null;
  if (hard === null && soft === null) return undefined;
  const w = windowOf(now, s.budgetDuration, s.budgetAnchor);
  const limit: BudgetLimit = Object.freeze({
    kind: s.kind,
    id: s.id,
    model: '',
    windowStart: w.start,
    windowEnd: w.end,
    key: counterKey(s.kind, s.id, '', w.start),
    maxBudget: hard,
    softBudget: soft,
    alias: s.alias ?? null,
    alertEmails: s.alertEmails ?? NO_EMAILS,
  });
  const increaseEnds = s.tempBudgetIncrease && s.tempBudgetExpiry && s.tempBudgetExpiry > now ? s.tempBudgetExpiry : Infinity;
  if (Object.isFrozen(s)) overallLimits.set(s, { limit, until: Math.min(w.end ?? Infinity, increaseEnds) });
  return limit;
}

/**
 * The budgets that apply to a call to `model`, or undefined when none does — the common case,
 * answered without allocating.
 */
export function budgetLimitsOf(scopes: readonly LimitScope[], model: string, now: number): BudgetLimit[] | undefined {
  let out: BudgetLimit[] | undefined;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i]!;
    const overall = overallLimitOf(s, now);
    if (overall !== undefined) (out ??= []).push(overall);
    if (s.kind === 'key' && s.modelMaxBudget !== undefined) {
      const budgetModel = modelBudgetName(s.modelMaxBudget, model);
      const mb = budgetModel === undefined ? undefined : s.modelMaxBudget[budgetModel];
      if (mb && isSet(mb.maxBudget)) {
        const w = windowOf(now, mb.budgetDuration, s.budgetAnchor);
        (out ??= []).push({
          kind: s.kind,
          id: s.id,
          model: budgetModel!,
          calledModel: model,
          windowStart: w.start,
          windowEnd: w.end,
          key: counterKey(s.kind, s.id, budgetModel!, w.start),
          maxBudget: mb.maxBudget,
          softBudget: null,
          alias: s.alias ?? null,
          alertEmails: s.alertEmails ?? NO_EMAILS,
        });
      }
    }
  }
  return out;
}

/** Counters outlive their window by this much, so a call settling just after the window closes still finds its counter. */
export const WINDOW_GRACE_MS = 60_000;
/** Budgets without a duration: their once-markers need some TTL; this one outlives any deployment. */
export const FOREVER_MS = 10 * 365 * 86_400_000;

/** TTL of a window's counters: to the end of the window plus grace; none for a window without end. */
export function counterTtl(ref: WindowRef, now: number): number | undefined {
  return ref.windowEnd === null ? undefined : Math.max(1_000, ref.windowEnd - now + WINDOW_GRACE_MS);
}

/** TTL of a once-marker about a window: as long as the window's counters live. */
export function markerTtl(ref: WindowRef, now: number): number {
  return counterTtl(ref, now) ?? FOREVER_MS;
}
