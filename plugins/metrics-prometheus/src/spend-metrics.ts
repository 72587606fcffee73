/**
 * One spend event (success or failure) → LiteLLM's metrics, as `PrometheusLogger`'s
 * `async_log_success_event`, `async_log_failure_event` and `async_post_call_failure_hook` record
 * them. Runs in `onSpend`, off the request path, for every call: the call's label values are read
 * once into one key, and the series of every metric it touches are found through that key
 * (call-series.ts), so a call with labels seen before allocates almost nothing.
 */
import { budgetWindow, litellmExceptionClass, OPENAI_PATHS, type CallAttempt, type Endpoint, type LimitScope, type SpendEvent } from '@sluice/plugin-sdk';
import type { BoundedMetrics } from './bounded-metrics.js';
import { CallSeriesCache } from './call-series.js';

export interface SpendMetricsOptions {
  /** enable_end_user_cost_tracking_prometheus_only */
  endUser: boolean;
  /** custom_prometheus_metadata_labels: the configured field (`metadata.foo`) and its label name (`metadata_foo`). */
  customLabels: readonly { field: string; label: string }[];
  now: () => number;
}

/** LiteLLM's exception class of a failed call (the SDK's, shared with the logging payload). */
export const exceptionClass = litellmExceptionClass;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Remaining budget per scope, learned from the spend events this instance sees (see README: what is not known). */
class ScopeSpend {
  readonly #spend = new Map<string, { windowStart: number; spend: number }>();
  static readonly MAX = 100_000;

  /** Spend in the scope's current window after this call; `seed` is a known earlier total (a key's `spend`). */
  add(scope: LimitScope, windowStart: number, cost: number, seed: number | undefined): number {
    const id = `${scope.kind}\u0000${scope.id}`;
    let entry = this.#spend.get(id);
    if (!entry || entry.windowStart !== windowStart) {
      entry = { windowStart, spend: entry ? 0 : (seed ?? 0) };
      if (this.#spend.size >= ScopeSpend.MAX) this.#spend.delete(this.#spend.keys().next().value!);
      this.#spend.set(id, entry);
    } else if (seed !== undefined && seed > entry.spend) {
      entry.spend = seed; // the principal was re-read with a newer total (other instances' spend)
    }
    entry.spend += cost;
    return entry.spend;
  }
}

/** Every label a call's metrics take, in the order of the call's key; custom labels follow. */
const CALL_LABELS = [
  'end_user', 'user', 'user_email', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', 'requested_model', 'model',
  'litellm_model_name', 'model_group', 'model_id', 'api_base', 'api_provider', 'route', 'client_ip', 'status_code',
  'exception_status', 'exception_class',
] as const;
const STATUS_LABELS_FROM = CALL_LABELS.indexOf('status_code');

export class SpendMetrics {
  readonly #opts: SpendMetricsOptions;
  readonly #metrics: BoundedMetrics;
  readonly #scopes = new ScopeSpend();
  readonly #calls: CallSeriesCache;
  /** The budget gauges' series by scope (kind, id, alias). */
  readonly #budgetSeries: CallSeriesCache;
  readonly #labelNames: readonly string[];
  /** The custom labels' metadata paths, split once. */
  readonly #customPaths: readonly (readonly string[])[];
  /** This call's label values (undefined: the call has none, exported as "None"); reused, filled per call. */
  readonly #values: (string | undefined)[];

  constructor(metrics: BoundedMetrics, opts: SpendMetricsOptions) {
    this.#opts = opts;
    this.#metrics = metrics;
    this.#calls = new CallSeriesCache(metrics);
    this.#budgetSeries = new CallSeriesCache(metrics);
    this.#labelNames = [...CALL_LABELS, ...opts.customLabels.map((c) => c.label)];
    this.#customPaths = opts.customLabels.map((c) => c.field.replace(/^metadata\./, '').split('.'));
    this.#values = new Array<string | undefined>(this.#labelNames.length).fill(undefined);
  }

  record(event: SpendEvent): void {
    const now = this.#opts.now();
    this.#fillValues(event);
    const calls = this.#calls.get(this.#values.join('\u0000'), () => this.#bag());
    const totalS = Math.max(0, event.endedAt - event.startedAt) / 1000;
    const overheadS = Math.max(0, event.overheadMs) / 1000;
    const d = event.deployment;
    calls.inc('proxyTotalRequests', 1, now);
    if (event.attempts !== undefined) this.#attempts(event, event.attempts);

    if (event.status === 'failure') {
      calls.inc('proxyFailedRequests', 1, now);
      if (d) {
        calls.inc('llmApiFailedRequests', 1, now);
        calls.inc('deploymentFailure', 1, now);
        calls.inc('deploymentTotal', 1, now);
        calls.set('deploymentState', 1, now); // LiteLLM: a failed LLM API call marks a partial outage
      }
      return;
    }

    const u = event.usage;
    calls.inc('requests', 1, now);
    calls.inc('spend', event.cost > 0 ? event.cost : 0, now);
    calls.inc('totalTokens', u.total_tokens || 0, now);
    calls.inc('inputTokens', u.prompt_tokens || 0, now);
    calls.inc('outputTokens', u.completion_tokens || 0, now);
    calls.observe('requestTotalLatency', totalS, now);
    if (event.cacheHit === true) {
      calls.inc('cacheHits', 1, now);
      calls.inc('cachedTokens', u.total_tokens || 0, now);
    } else if (event.cacheHit === false) {
      calls.inc('cacheMisses', 1, now);
    }
    if (d && event.cacheHit !== true) {
      const apiS = Math.max(0, totalS - overheadS);
      calls.observe('llmApiLatency', apiS, now);
      if (event.stream && event.firstTokenAt !== undefined) calls.observe('llmApiTimeToFirstToken', Math.max(0, event.firstTokenAt - event.startedAt) / 1000, now);
      calls.observe('overheadLatency', overheadS, now);
      calls.inc('deploymentSuccess', 1, now);
      calls.inc('deploymentTotal', 1, now);
      if (u.completion_tokens > 0) calls.observe('deploymentLatencyPerOutputToken', apiS / u.completion_tokens, now);
      calls.set('deploymentState', 0, now);
    }
    if (event.scopes.length > 0) this.#budgets(event, now);
  }

  /**
   * Cooldowns and fallbacks, from the call's tries (only calls where a try failed have them). Each
   * model group tried after the first one's is a fallback, counted once as LiteLLM's
   * log_success_fallback_event / log_failure_fallback_event count it (its retries are inside it):
   * successful when its last try answered. requested_model is the model the client asked for,
   * fallback_model the group, and the exception labels describe the failure that started it all.
   */
  #attempts(event: SpendEvent, attempts: readonly CallAttempt[]): void {
    const metrics = this.#metrics;
    const primaryGroup = attempts[0]!.deployment.modelName;
    let cause: CallAttempt | undefined;
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!;
      const d = a.deployment;
      if (a.httpStatus !== 200) cause ??= a;
      if (a.cooledDown) metrics.inc('deploymentCooledDown', { ...this.#bag(), litellm_model_name: d.model, model_id: d.id, api_base: d.apiBase ?? 'None', api_provider: d.provider, exception_status: String(a.httpStatus) });
      // Groups are tried one after the other: a group's last try says how it ended.
      if (d.modelName === primaryGroup || attempts[i + 1]?.deployment.modelName === d.modelName) continue;
      const bag: Record<string, string> = { ...this.#bag(), requested_model: event.model, fallback_model: d.modelName, model_id: d.id };
      if (cause !== undefined) {
        bag.exception_status = String(cause.httpStatus);
        bag.exception_class = exceptionClass({ httpStatus: cause.httpStatus, deployment: cause.deployment, errorCode: undefined });
      }
      metrics.inc(a.httpStatus === 200 ? 'deploymentSuccessfulFallbacks' : 'deploymentFailedFallbacks', bag);
    }
  }

  /** Every label any metric takes, for this call, in CALL_LABELS order; each metric picks its own. */
  #fillValues(event: SpendEvent): void {
    const p = event.principal;
    const meta = p.metadata;
    const d = event.deployment;
    const v = this.#values;
    v[0] = this.#opts.endUser ? str(event.user) : undefined;
    v[1] = str(p.userId);
    v[2] = meta === undefined ? undefined : str(meta.user_email);
    v[3] = str(p.keyHash);
    v[4] = str(p.keyAlias);
    v[5] = str(p.teamId);
    v[6] = meta === undefined ? undefined : str(meta.team_alias);
    v[7] = str(event.model);
    v[8] = v[9] = str(d?.model ?? event.model);
    v[10] = str(d?.modelName ?? event.model);
    v[11] = str(d?.id);
    v[12] = str(d?.apiBase);
    v[13] = str(d?.provider);
    v[14] = (OPENAI_PATHS as Record<string, string>)[event.endpoint as Endpoint] ?? `/${event.endpoint}`;
    v[15] = str(event.ip);
    v[16] = String(event.httpStatus);
    const failed = event.status === 'failure';
    v[17] = failed ? v[16] : undefined;
    v[18] = failed ? exceptionClass(event) : undefined;
    for (let i = 0; i < this.#customPaths.length; i++) v[CALL_LABELS.length + i] = str(metadataValue(event, this.#customPaths[i]!));
  }

  /**
   * The call's labels as an object, made once per distinct label set. A custom label named like a
   * built-in one wins when it has a value, except over the status labels (set per metric before).
   */
  #bag(): Record<string, string> {
    const bag: Record<string, string> = {};
    const names = this.#labelNames;
    for (let i = 0; i < names.length; i++) {
      const value = this.#values[i];
      if (value !== undefined) bag[names[i]!] = value;
    }
    for (let i = STATUS_LABELS_FROM; i < CALL_LABELS.length; i++) {
      const value = this.#values[i];
      if (value !== undefined) bag[names[i]!] = value;
    }
    return bag;
  }

  #budgets(event: SpendEvent, now: number): void {
    const p = event.principal;
    for (const scope of event.scopes) {
      if (scope.kind !== 'key' && scope.kind !== 'team' && scope.kind !== 'user') continue;
      const max = scope.maxBudget;
      if (max === null || max === undefined || !Number.isFinite(max)) continue;
      const temp = scope.tempBudgetIncrease && scope.tempBudgetExpiry && scope.tempBudgetExpiry > now ? scope.tempBudgetIncrease : 0;
      const window = scope.budgetDuration ? budgetWindow(scope.budgetDuration, now, scope.budgetAnchor ?? 0) : undefined;
      const seed = scope.kind === 'key' && typeof p.metadata?.spend === 'number' ? (p.metadata.spend as number) : undefined;
      const spent = this.#scopes.add(scope, window?.start ?? 0, event.cost > 0 ? event.cost : 0, seed);
      const remaining = max + temp - spent;
      const hours = window ? Math.max(0, window.end - now) / 3_600_000 : undefined;
      if (scope.kind === 'key') {
        const alias = scope.alias ?? p.keyAlias ?? 'None';
        const s = this.#budgetSeries.get(`key\u0000${scope.id}\u0000${alias}`, () => ({ hashed_api_key: scope.id, api_key_alias: alias }));
        s.set('remainingKeyBudget', remaining, now);
        s.set('keyMaxBudget', max + temp, now);
        if (hours !== undefined) s.set('keyBudgetRemainingHours', hours, now);
      } else if (scope.kind === 'team') {
        const alias = scope.alias ?? str(p.metadata?.team_alias) ?? 'None';
        const s = this.#budgetSeries.get(`team\u0000${scope.id}\u0000${alias}`, () => ({ team: scope.id, team_alias: alias }));
        s.set('remainingTeamBudget', remaining, now);
        s.set('teamMaxBudget', max + temp, now);
        if (hours !== undefined) s.set('teamBudgetRemainingHours', hours, now);
      } else {
        const s = this.#budgetSeries.get(`user\u0000${scope.id}`, () => ({ user: scope.id }));
        s.set('remainingUserBudget', remaining, now);
        s.set('userMaxBudget', max + temp, now);
        if (hours !== undefined) s.set('userBudgetRemainingHours', hours, now);
      }
    }
  }
}

/** `metadata.foo.bar` (as its path `foo`, `bar`) from the request's metadata, else the key's own metadata, else the team's. */
function metadataValue(event: SpendEvent, path: readonly string[]): unknown {
  const meta = event.principal.metadata ?? {};
  for (const root of [event.metadata, meta.metadata, meta.team_metadata]) {
    let v: unknown = root;
    for (const part of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (v !== undefined && v !== null) return typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return undefined;
}
