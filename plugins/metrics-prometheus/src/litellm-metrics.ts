/**
 * LiteLLM's Prometheus metrics as data: the name each is exposed under, its kind, help and label
 * set, copied from `litellm/integrations/prometheus.py` (`PrometheusLogger.__init__`) and
 * `litellm/types/integrations/prometheus.py` (`PrometheusMetricLabels`). Python's
 * prometheus_client exposes a Counter named `litellm_spend_metric` as `litellm_spend_metric_total`;
 * prom-client adds no suffix, so counters are declared here under their exposed names.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  /** The name as scraped (counters end in `_total`, as LiteLLM's python client exposes them). */
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly string[];
  /** Histograms only: `latency` = LiteLLM's LATENCY_BUCKETS (or prometheus_latency_buckets); `default` = prometheus_client's default buckets. */
  buckets?: 'latency' | 'default';
  /** Whether `custom_prometheus_metadata_labels` are appended (LiteLLM's `get_labels_for_metric`). */
  custom?: boolean;
}

/** LiteLLM's LATENCY_BUCKETS (seconds); `+Inf` is implied. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0,
  9.5, 10.0, 15.0, 20.0, 25.0, 30.0, 60.0, 120.0, 180.0, 240.0, 300.0,
];

/** prometheus_client's `Histogram.DEFAULT_BUCKETS`, used where LiteLLM passes none. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

const L = {
  endUser: 'end_user',
  user: 'user',
  userEmail: 'user_email',
  keyHash: 'hashed_api_key',
  keyAlias: 'api_key_alias',
  team: 'team',
  teamAlias: 'team_alias',
  requestedModel: 'requested_model',
  model: 'model',
  litellmModelName: 'litellm_model_name',
  modelId: 'model_id',
  apiBase: 'api_base',
  apiProvider: 'api_provider',
  exceptionStatus: 'exception_status',
  exceptionClass: 'exception_class',
  statusCode: 'status_code',
  route: 'route',
  modelGroup: 'model_group',
  clientIp: 'client_ip',
  userAgent: 'user_agent',
  fallbackModel: 'fallback_model',
} as const;

export type LabelName = (typeof L)[keyof typeof L];

const LLM_API = [L.model, L.keyHash, L.keyAlias, L.team, L.teamAlias, L.requestedModel, L.endUser, L.user, L.modelId];
const TOKENS = [L.endUser, L.keyHash, L.keyAlias, L.model, L.team, L.teamAlias, L.user, L.userEmail, L.requestedModel, L.modelId];
const DEPLOYMENT_REQUESTS = [L.requestedModel, L.litellmModelName, L.modelId, L.apiBase, L.apiProvider, L.keyHash, L.keyAlias, L.team, L.teamAlias, L.clientIp, L.userAgent];
const FALLBACKS = [L.requestedModel, L.fallbackModel, L.keyHash, L.keyAlias, L.team, L.teamAlias, L.exceptionStatus, L.exceptionClass, L.modelId];
const CACHE = [L.model, L.keyHash, L.keyAlias, L.team, L.teamAlias, L.endUser, L.user, L.modelId];

export const LITELLM_METRICS = {
  proxyTotalRequests: {
    name: 'litellm_proxy_total_requests_metric_total', kind: 'counter', custom: true,
    help: 'Total number of requests made to the proxy server - track number of client side requests',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.requestedModel, L.team, L.teamAlias, L.user, L.statusCode, L.userEmail, L.route, L.clientIp, L.userAgent, L.modelId],
  },
  proxyFailedRequests: {
    name: 'litellm_proxy_failed_requests_metric_total', kind: 'counter', custom: true,
    help: 'Total number of failed responses from proxy - the client did not get a success response from litellm proxy',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.requestedModel, L.team, L.teamAlias, L.user, L.userEmail, L.exceptionStatus, L.exceptionClass, L.route, L.clientIp, L.userAgent, L.modelId],
  },
  requestTotalLatency: {
    name: 'litellm_request_total_latency_metric', kind: 'histogram', buckets: 'latency', custom: true,
    help: 'Total latency (seconds) for a request to LiteLLM',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.requestedModel, L.team, L.teamAlias, L.user, L.model, L.modelId],
  },
  llmApiLatency: {
    name: 'litellm_llm_api_latency_metric', kind: 'histogram', buckets: 'latency', custom: true,
    help: 'Total latency (seconds) for a models LLM API call', labels: LLM_API,
  },
  llmApiTimeToFirstToken: {
    name: 'litellm_llm_api_time_to_first_token_metric', kind: 'histogram', buckets: 'latency', custom: true,
    help: 'Time to first token for a models LLM API call', labels: LLM_API,
  },
  overheadLatency: {
    name: 'litellm_overhead_latency_metric', kind: 'histogram', buckets: 'latency', custom: true,
    help: 'Latency overhead (milliseconds) added by LiteLLM processing',
    labels: [L.modelGroup, L.apiProvider, L.apiBase, L.litellmModelName, L.keyHash, L.keyAlias, L.modelId],
  },
  spend: {
    name: 'litellm_spend_metric_total', kind: 'counter', custom: true, help: 'Total spend on LLM requests',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.model, L.team, L.teamAlias, L.user, L.userEmail, L.clientIp, L.userAgent, L.modelId],
  },
  totalTokens: { name: 'litellm_total_tokens_metric_total', kind: 'counter', custom: true, help: 'Total number of input + output tokens from LLM requests', labels: TOKENS },
  inputTokens: { name: 'litellm_input_tokens_metric_total', kind: 'counter', custom: true, help: 'Total number of input tokens from LLM requests', labels: TOKENS },
  outputTokens: { name: 'litellm_output_tokens_metric_total', kind: 'counter', custom: true, help: 'Total number of output tokens from LLM requests', labels: TOKENS },
  requests: {
    name: 'litellm_requests_metric_total', kind: 'counter', custom: true,
    help: 'deprecated - use litellm_proxy_total_requests_metric. Total number of LLM calls to litellm - track total per API Key, team, user',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.model, L.team, L.teamAlias, L.user, L.userEmail, L.clientIp, L.userAgent, L.modelId],
  },
  llmApiFailedRequests: {
    name: 'litellm_llm_api_failed_requests_metric_total', kind: 'counter', custom: true,
    help: 'deprecated - use litellm_proxy_failed_requests_metric',
    labels: [L.endUser, L.keyHash, L.keyAlias, L.model, L.team, L.teamAlias, L.user, L.modelId],
  },
  remainingTeamBudget: { name: 'litellm_remaining_team_budget_metric', kind: 'gauge', custom: true, help: 'Remaining budget for team', labels: [L.team, L.teamAlias] },
  teamMaxBudget: { name: 'litellm_team_max_budget_metric', kind: 'gauge', custom: true, help: 'Maximum budget set for team', labels: [L.team, L.teamAlias] },
  teamBudgetRemainingHours: { name: 'litellm_team_budget_remaining_hours_metric', kind: 'gauge', custom: true, help: 'Remaining days for team budget to be reset', labels: [L.team, L.teamAlias] },
  remainingKeyBudget: { name: 'litellm_remaining_api_key_budget_metric', kind: 'gauge', custom: true, help: 'Remaining budget for api key', labels: [L.keyHash, L.keyAlias] },
  keyMaxBudget: { name: 'litellm_api_key_max_budget_metric', kind: 'gauge', custom: true, help: 'Maximum budget set for api key', labels: [L.keyHash, L.keyAlias] },
  keyBudgetRemainingHours: { name: 'litellm_api_key_budget_remaining_hours_metric', kind: 'gauge', custom: true, help: 'Remaining hours for api key budget to be reset', labels: [L.keyHash, L.keyAlias] },
  remainingUserBudget: { name: 'litellm_remaining_user_budget_metric', kind: 'gauge', custom: true, help: 'Remaining budget for user', labels: [L.user] },
  userMaxBudget: { name: 'litellm_user_max_budget_metric', kind: 'gauge', custom: true, help: 'Maximum budget set for user', labels: [L.user] },
  userBudgetRemainingHours: { name: 'litellm_user_budget_remaining_hours_metric', kind: 'gauge', custom: true, help: 'Remaining hours for user budget to be reset', labels: [L.user] },
  deploymentState: {
    name: 'litellm_deployment_state', kind: 'gauge', custom: true,
    help: 'LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage',
    labels: [L.litellmModelName, L.modelId, L.apiBase, L.apiProvider],
  },
  deploymentSuccess: {
    name: 'litellm_deployment_success_responses_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Total number of successful LLM API calls via litellm', labels: DEPLOYMENT_REQUESTS,
  },
  deploymentFailure: {
    name: 'litellm_deployment_failure_responses_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deploymeny. exception_status is the status of the exception from the llm api',
    labels: [L.requestedModel, L.litellmModelName, L.modelId, L.apiBase, L.apiProvider, L.exceptionStatus, L.exceptionClass, L.keyHash, L.keyAlias, L.team, L.teamAlias, L.clientIp, L.userAgent],
  },
  deploymentTotal: {
    name: 'litellm_deployment_total_requests_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Total number of LLM API calls via litellm - success + failure', labels: DEPLOYMENT_REQUESTS,
  },
  deploymentLatencyPerOutputToken: {
    name: 'litellm_deployment_latency_per_output_token', kind: 'histogram', buckets: 'default', custom: true,
    help: 'LLM Deployment Analytics - Latency per output token',
    labels: [L.litellmModelName, L.modelId, L.apiBase, L.apiProvider, L.keyHash, L.keyAlias, L.team, L.teamAlias],
  },
  deploymentCooledDown: {
    name: 'litellm_deployment_cooled_down_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Number of times a deployment has been cooled down by LiteLLM load balancing logic. exception_status is the status of the exception that caused the deployment to be cooled down',
    labels: [L.litellmModelName, L.modelId, L.apiBase, L.apiProvider, L.exceptionStatus],
  },
  deploymentSuccessfulFallbacks: {
    name: 'litellm_deployment_successful_fallbacks_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Number of successful fallback requests from primary model -> fallback model',
    labels: FALLBACKS,
  },
  deploymentFailedFallbacks: {
    name: 'litellm_deployment_failed_fallbacks_total', kind: 'counter', custom: true,
    help: 'LLM Deployment Analytics - Number of failed fallback requests from primary model -> fallback model',
    labels: FALLBACKS,
  },
  cacheHits: { name: 'litellm_cache_hits_metric_total', kind: 'counter', custom: true, help: 'Total number of LiteLLM cache hits', labels: CACHE },
  cacheMisses: { name: 'litellm_cache_misses_metric_total', kind: 'counter', custom: true, help: 'Total number of LiteLLM cache misses', labels: CACHE },
  cachedTokens: { name: 'litellm_cached_tokens_metric_total', kind: 'counter', custom: true, help: 'Total tokens served from LiteLLM cache', labels: CACHE },
} as const satisfies Record<string, MetricDef>;

export type MetricId = keyof typeof LITELLM_METRICS;

/** LiteLLM's `_sanitize_prometheus_label_name`: `metadata.foo` → `metadata_foo`. */
export function sanitizeLabelName(label: string): string {
  let s = label.replace(/[^a-zA-Z0-9_]/g, '_');
  if (s === '') return '_';
  if (!/^[a-zA-Z_]/.test(s)) s = `_${s}`;
  return s;
}
