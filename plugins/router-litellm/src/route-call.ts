/**
 * One routing decision with LiteLLM's semantics: pick a healthy deployment by strategy, retry
 * retryable failures (with backoff, preferring another deployment), then walk the fallbacks that
 * match the failure (context window, content policy, general, default).
 */
import { isUpstreamError, isVerdict, UpstreamError, type ProviderResponse, type RoutableDeployment, type RoutingOutcome, type RoutingRequest, type Usage } from '@sluice/plugin-sdk';
import type { Cooldowns } from './cooldowns.js';
import type { DeploymentStats } from './deployment-stats.js';
import { mockAnswer, mockError } from './mock-response.js';
import type { RouterSettings } from './router-settings.js';
import type { Pick } from './strategies.js';

export interface RouterParts {
  settings: RouterSettings;
  stats: DeploymentStats;
  cooldowns: Cooldowns;
  pick: Pick;
}

type FailureKind = 'context_window' | 'content_policy' | 'other';

function kindOf(err: UpstreamError): FailureKind {
  const code = (err.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (code === 'context_length_exceeded') return 'context_window';
  if (code === 'content_policy_violation' || code === 'content_filter') return 'content_policy';
  return 'other';
}

function retryable(err: UpstreamError): boolean {
  return err.timeout || err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function backoffMs(err: UpstreamError, attempt: number, minMs: number): number {
  const header = err.retryAfter === undefined ? NaN : Number(err.retryAfter);
  const base = Number.isFinite(header) ? Math.min(header, 10) * 1000 : Math.min(100 * 2 ** attempt, 2000);
  return Math.max(base, minMs);
}

/**
 * The common case without extra async layers: the requested group's deployments are all healthy,
 * so pick one and hand back the kernel's attempt promise. Anything else (mocks, a failure, an
 * unhealthy or unknown group) continues on the full path with what already happened.
 */
export function routeCall(req: RoutingRequest, parts: RouterParts): Promise<RoutingOutcome> {
  if (req.body.mock_response !== undefined || req.body.mock_testing_fallbacks === true) return routeFully(req, parts);
  const { settings, stats } = parts;
  const primary = settings.aliases.get(req.model) ?? req.model;
  let deployments: readonly RoutableDeployment[] | undefined;
  try {
    deployments = req.group(primary);
  } catch (err) {
    return Promise.reject(err);
  }
  const now = Date.now();
  if (!deployments || deployments.length === 0 || !allHealthy(deployments, parts, now)) return routeFully(req, parts);
  const d = parts.pick(deployments, stats, now);
  stats.started(d.id, now);
  const started = performance.now();
  return req.attempt(d).then(
    (response): RoutingOutcome => {
      stats.responded(d.id, performance.now() - started);
      return { deployment: d, response, onFinish: finisher(stats, d.id) };
    },
    (err: unknown) => {
      stats.finished(d.id);
      if (!isUpstreamError(err)) throw err; // the client went away, or a verdict: stop routing
      return routeFully(req, parts, { deployment: d, error: err });
    },
  );
}

/** In flight until the kernel says the call is over (a stream until its end); its tokens feed tpm limits and usage-based routing. */
function finisher(stats: DeploymentStats, id: string): (usage: Usage) => void {
  return (usage) => {
    stats.finished(id);
    if (usage.total_tokens > 0) stats.addTokens(id, usage.total_tokens, Date.now());
  };
}

function allHealthy(deployments: readonly RoutableDeployment[], { settings, stats, cooldowns }: RouterParts, now: number): boolean {
  for (const d of deployments) {
    if (settings.cooldowns && cooldowns.isCooling(d.id, now)) return false;
    if (d.rpm !== undefined && stats.requestsThisMinute(d.id, now) >= d.rpm) return false;
    if (d.tpm !== undefined && stats.tokensThisMinute(d.id, now) >= d.tpm) return false;
  }
  return true;
}

/** A failed attempt the full path takes over from. */
interface PriorFailure {
  deployment: RoutableDeployment;
  error: UpstreamError;
}

async function routeFully(req: RoutingRequest, parts: RouterParts, prior?: PriorFailure): Promise<RoutingOutcome> {
  const { settings } = parts;
  const primary = settings.aliases.get(req.model) ?? req.model;
  const mock = typeof req.body.mock_response === 'string' ? req.body.mock_response : undefined;
  const attempt = (d: RoutableDeployment): Promise<ProviderResponse> => {
    if (mock === undefined) return req.attempt(d);
    const err = mockError(mock, d.model);
    if (err) err.provider = d.provider;
    return err ? Promise.reject(err) : Promise.resolve(mockAnswer(mock, d, req.endpoint, req.body, req.stream));
  };

  const first = req.body.mock_testing_fallbacks === true ? failForTesting(req, primary) : await tryGroup(req, parts, primary, attempt, true, prior);
  if (first.ok) return { ...first.outcome, attemptedRetries: first.retries || undefined };
  if (first.missing) throw req.modelNotFound(req.model);

  const kind = isUpstreamError(first.error) ? kindOf(first.error) : 'other';
  // A group's own fallbacks, else LiteLLM's `*` entry, which default_fallbacks are (and win over).
  const general =
    settings.fallbacks.get(primary) ??
    settings.fallbacks.get(req.model) ??
    (settings.defaultFallbacks.length > 0 ? settings.defaultFallbacks : settings.fallbacks.get('*')) ??
    [];
  const candidates = [
    ...(kind === 'context_window' ? (settings.contextWindowFallbacks.get(primary) ?? settings.contextWindowFallbacks.get(req.model) ?? []) : []),
    ...(kind === 'content_policy' ? (settings.contentPolicyFallbacks.get(primary) ?? settings.contentPolicyFallbacks.get(req.model) ?? []) : []),
    ...general,
  ].filter((g, i, all) => g !== primary && all.indexOf(g) === i);
  let lastError = first.error;
  let retries = first.retries;
  let tried = 0;
  for (const group of candidates.slice(0, settings.maxFallbacks)) {
    tried++; // a group that turns out not to exist counts too, as in LiteLLM
    const r = await tryGroup(req, parts, settings.aliases.get(group) ?? group, attempt, false);
    retries += r.retries;
    if (r.ok) return { ...r.outcome, attemptedFallbacks: tried, attemptedRetries: retries || undefined };
    if (!r.missing) lastError = r.error;
  }
  throw lastError;
}

type GroupResult =
  | { ok: true; outcome: { deployment: RoutableDeployment; response: ProviderResponse; onFinish?: (usage: Usage) => void }; retries: number }
  | { ok: false; missing: boolean; error: Error; retries: number };

/**
 * `mock_testing_fallbacks`: the requested group fails as LiteLLM makes it fail, before any
 * deployment is chosen: nothing is called, retried, counted against rpm or cooled down.
 */
function failForTesting(req: RoutingRequest, group: string): GroupResult {
  if (!req.group(group)) return { ok: false, missing: true, error: req.modelNotFound(group), retries: 0 };
  const error = new UpstreamError(`mock_testing_fallbacks: this call fails on purpose to test fallbacks (model=${group})`, { status: 500 });
  return { ok: false, missing: false, error, retries: 0 };
}

/** Deployments neither cooling down nor out of this minute's rpm/tpm. */
function healthyOf(deployments: readonly RoutableDeployment[], { settings, stats, cooldowns }: RouterParts, now: number): RoutableDeployment[] {
  return deployments.filter(
    (d) =>
      !(settings.cooldowns && cooldowns.isCooling(d.id, now)) &&
      !(d.rpm !== undefined && stats.requestsThisMinute(d.id, now) >= d.rpm) &&
      !(d.tpm !== undefined && stats.tokensThisMinute(d.id, now) >= d.tpm),
  );
}

async function tryGroup(
  req: RoutingRequest,
  parts: RouterParts,
  group: string,
  attempt: (d: RoutableDeployment) => Promise<ProviderResponse>,
  requested: boolean,
  prior?: PriorFailure,
): Promise<GroupResult> {
  const { settings, stats, cooldowns, pick } = parts;
  let deployments: readonly RoutableDeployment[] | undefined;
  try {
    deployments = req.group(group);
  } catch (err) {
    // The requested group must serve the endpoint; a fallback group that cannot is skipped.
    if (requested || !isVerdict(err)) throw err;
  }
  if (!deployments) return { ok: false, missing: true, error: req.modelNotFound(group), retries: 0 };
  // Allocated only on failure: the common call succeeds at once and creates neither.
  let failedHere: Set<string> | undefined;
  let lastError: Error | undefined;
  let retries = 0;
  let failure = prior;
  for (;;) {
    if (failure) {
      const { deployment: failed, error: err } = failure;
      failure = undefined;
      lastError = err;
      (failedHere ??= new Set()).add(failed.id);
      if (settings.cooldowns && (await cooldowns.failed(failed.id, err.status, deployments.length))) req.cooledDown?.(failed.id);
      if (!retryable(err) || retries === settings.numRetries) break;
      retries++;
      // The upstream's retry-after (and the backoff) is about the deployment that failed: like
      // LiteLLM, a retry that another deployment can take waits only for `retry_after`.
      const another = healthyOf(deployments, parts, Date.now()).some((x) => !failedHere!.has(x.id));
      const waitMs = another ? settings.retryAfterMs : backoffMs(err, retries - 1, settings.retryAfterMs);
      if (waitMs > 0) await sleep(waitMs);
    }
    const now = Date.now();
    const healthy = healthyOf(deployments, parts, now);
    if (healthy.length === 0) {
      // Everyone cooling down: back when the first cooldown ends. Otherwise rpm/tpm ran out: next minute.
      const anyCooling = deployments.some((d) => cooldowns.isCooling(d.id, now));
      const waitMs = anyCooling ? cooldowns.soonestBack(deployments.filter((d) => cooldowns.isCooling(d.id, now)).map((d) => d.id), now) : 60_000 - (now % 60_000);
      return { ok: false, missing: false, error: req.noDeploymentsAvailable(group, Math.ceil(waitMs / 1000)), retries };
    }
    const fresh = failedHere ? healthy.filter((d) => !failedHere!.has(d.id)) : healthy;
    const d = pick(fresh.length > 0 ? fresh : healthy, stats, now);
    stats.started(d.id, now);
    const started = performance.now();
    let response: ProviderResponse;
    try {
      response = await attempt(d);
    } catch (err) {
      stats.finished(d.id);
      if (!isUpstreamError(err)) throw err; // the client went away, or a verdict: stop routing
      failure = { deployment: d, error: err };
      continue;
    }
    stats.responded(d.id, performance.now() - started);
    return { ok: true, outcome: { deployment: d, response, onFinish: finisher(stats, d.id) }, retries };
  }
  return { ok: false, missing: false, error: lastError ?? req.modelNotFound(group), retries };
}
