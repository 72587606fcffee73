/**
 * One spend event (success or failure) → LiteLLM's metrics, as `PrometheusLogger`'s
 * `async_log_success_event`, `async_log_failure_event` and `async_post_call_failure_hook` record
 * them. Runs in `onSpend`, off the request path.
 */
import { budgetWindow, OPENAI_PATHS, type Endpoint, type LimitScope, type SpendEvent } from '@sluice/plugin-sdk';
import type { BoundedMetrics } from './bounded-metrics.js';

export interface SpendMetricsOptions {
  /** enable_end_user_cost_tracking_prometheus_only */
  endUser: boolean;
  /** custom_prometheus_metadata_labels: the configured field (`metadata.foo`) and its label name (`metadata_foo`). */
  customLabels: readonly { field: string; label: string }[];
  now: () => number;
}

/** LiteLLM's exception class names by HTTP status (litellm/exceptions.py). */
const EXCEPTION_CLASS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  408: 'Timeout',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  502: 'APIConnectionError',
  503: 'ServiceUnavailableError',
  504: 'Timeout',
};

/** `Openai.RateLimitError` when the failure came from a deployment, as LiteLLM's `_get_exception_class_name`; else the bare class. */
export function exceptionClass(event: SpendEvent): string {
  // The budget plugin's refusals (BUDGET_*_EXCEEDED) are LiteLLM's BudgetExceededError.
  if (event.errorCode?.startsWith('BUDGET_') && event.errorCode.endsWith('_EXCEEDED')) return 'BudgetExceededError';
  const name = EXCEPTION_CLASS[event.httpStatus] ?? (event.httpStatus >= 500 ? 'APIError' : 'BadRequestError');
  const provider = event.deployment?.provider;
  return provider ? `${provider.charAt(0).toUpperCase()}${provider.slice(1)}.${name}` : name;
}

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

export class SpendMetrics {
  readonly #m: BoundedMetrics;
  readonly #opts: SpendMetricsOptions;
  readonly #scopes = new ScopeSpend();

  constructor(metrics: BoundedMetrics, opts: SpendMetricsOptions) {
    this.#m = metrics;
    this.#opts = opts;
  }

  record(event: SpendEvent): void {
    const bag = this.#labels(event);
    const m = this.#m;
    const totalS = Math.max(0, event.endedAt - event.startedAt) / 1000;
    const overheadS = Math.max(0, event.overheadMs) / 1000;
    const d = event.deployment;
    m.inc('proxyTotalRequests', { ...bag, status_code: String(event.httpStatus) });

    if (event.status === 'failure') {
      const failure = { ...bag, exception_status: String(event.httpStatus), exception_class: exceptionClass(event) };
      m.inc('proxyFailedRequests', failure);
      if (d) {
        m.inc('llmApiFailedRequests', failure);
        m.inc('deploymentFailure', failure);
        m.inc('deploymentTotal', failure);
        m.set('deploymentState', bag, 1); // LiteLLM: a failed LLM API call marks a partial outage
      }
      return;
    }

    const u = event.usage;
    m.inc('requests', bag);
    m.inc('spend', bag, event.cost > 0 ? event.cost : 0);
    m.inc('totalTokens', bag, u.total_tokens || 0);
    m.inc('inputTokens', bag, u.prompt_tokens || 0);
    m.inc('outputTokens', bag, u.completion_tokens || 0);
    m.observe('requestTotalLatency', bag, totalS);
    if (event.cacheHit === true) {
      m.inc('cacheHits', bag);
      m.inc('cachedTokens', bag, u.total_tokens || 0);
    } else if (event.cacheHit === false) {
      m.inc('cacheMisses', bag);
    }
    if (d && event.cacheHit !== true) {
      const apiS = Math.max(0, totalS - overheadS);
      m.observe('llmApiLatency', bag, apiS);
      if (event.stream && event.firstTokenAt !== undefined) m.observe('llmApiTimeToFirstToken', bag, Math.max(0, event.firstTokenAt - event.startedAt) / 1000);
      m.observe('overheadLatency', bag, overheadS);
      m.inc('deploymentSuccess', bag);
      m.inc('deploymentTotal', bag);
      if (u.completion_tokens > 0) m.observe('deploymentLatencyPerOutputToken', bag, apiS / u.completion_tokens);
      m.set('deploymentState', bag, 0);
    }
    this.#budgets(event);
  }

  /** Every label any metric takes, for this call; each metric picks its own. */
  #labels(event: SpendEvent): Record<string, string> {
    const p = event.principal;
    const meta = p.metadata ?? {};
    const d = event.deployment;
    const bag: Record<string, string> = {};
    const put = (name: string, v: unknown) => {
      const s = str(v);
      if (s !== undefined) bag[name] = s;
    };
    if (this.#opts.endUser) put('end_user', event.user);
    put('user', p.userId);
    put('user_email', meta.user_email);
    put('hashed_api_key', p.keyHash);
    put('api_key_alias', p.keyAlias);
    put('team', p.teamId);
    put('team_alias', meta.team_alias);
    put('requested_model', event.model);
    put('model', d?.model ?? event.model);
    put('litellm_model_name', d?.model ?? event.model);
    put('model_group', d?.modelName ?? event.model);
    put('model_id', d?.id);
    put('api_base', d?.apiBase);
    put('api_provider', d?.provider);
    put('route', (OPENAI_PATHS as Record<string, string>)[event.endpoint as Endpoint] ?? `/${event.endpoint}`);
    put('client_ip', event.ip);
    for (const { field, label } of this.#opts.customLabels) put(label, metadataValue(event, field));
    return bag;
  }

  #budgets(event: SpendEvent): void {
    const now = this.#opts.now();
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
        const labels = { hashed_api_key: scope.id, api_key_alias: scope.alias ?? p.keyAlias ?? 'None' };
        this.#m.set('remainingKeyBudget', labels, remaining);
        this.#m.set('keyMaxBudget', labels, max + temp);
        if (hours !== undefined) this.#m.set('keyBudgetRemainingHours', labels, hours);
      } else if (scope.kind === 'team') {
        const labels = { team: scope.id, team_alias: scope.alias ?? str(p.metadata?.team_alias) ?? 'None' };
        this.#m.set('remainingTeamBudget', labels, remaining);
        this.#m.set('teamMaxBudget', labels, max + temp);
        if (hours !== undefined) this.#m.set('teamBudgetRemainingHours', labels, hours);
      } else {
        const labels = { user: scope.id };
        this.#m.set('remainingUserBudget', labels, remaining);
        this.#m.set('userMaxBudget', labels, max + temp);
        if (hours !== undefined) this.#m.set('userBudgetRemainingHours', labels, hours);
      }
    }
  }
}

/** `metadata.foo.bar` from the request's metadata, else the key's own metadata, else the team's. */
function metadataValue(event: SpendEvent, field: string): unknown {
  const path = field.replace(/^metadata\./, '').split('.');
  const meta = event.principal.metadata ?? {};
  for (const root of [event.metadata, meta.metadata, meta.team_metadata]) {
    let v: unknown = root;
    for (const part of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (v !== undefined && v !== null) return typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return undefined;
}
