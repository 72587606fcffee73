/**
 * Rate limits on every scope of a call (key, user, team, organization, project, customer, tag)
 * and per model on a key: rpm, tpm and max_parallel_requests, as LiteLLM enforces them.
 *
 * preCall checks every limit concurrently; if one refuses, what the others took is given back
 * before the 429 goes out, so a refused call costs no scope anything. onSpend (once per call
 * that got past preCall, whatever its outcome) adds the call's tokens and releases its slots.
 * A call that nothing limits costs one loop over its scopes: no counters call, no allocation.
 */
import { definePlugin, type SpendEvent } from '@sluice/plugin-sdk';
import type { RateLimiterConfig } from './config.generated.js';
import { anyLimit, limitChecks } from './limit-checks.js';
import { LimitCounting, type CheckOutcome } from './limit-counting.js';
import { ERROR_BY_TYPE, resetAtText } from './rate-limit-errors.js';
import { rateLimitHeaders, remaining } from './rate-limit-headers.js';

const PLUGIN_ID = 'rate-limiter';
const DEFAULT_SLOT_TTL_MS = 600_000;
/** A broken counters backend would otherwise log on every call. */
const COUNTERS_WARNING_INTERVAL_MS = 10_000;

/** What an admitted call holds, in `ctx.state['rate-limiter']`, settled in onSpend. */
export interface RateLimitReservation {
  /** Token windows the call's tokens are added to. */
  tokenKeys: string[];
  /** Parallel slots to release. */
  slotKeys: string[];
}

type TokenCount = (usage: SpendEvent['usage']) => number;

const TOKEN_COUNT: Record<NonNullable<RateLimiterConfig['token_rate_limit_type']>, TokenCount> = {
  total: (u) => u.total_tokens,
  output: (u) => u.completion_tokens,
  input: (u) => u.prompt_tokens,
};

function reservationOf(outcomes: readonly CheckOutcome[]): RateLimitReservation | undefined {
  const tokenKeys: string[] = [];
  const slotKeys: string[] = [];
  for (const o of outcomes) {
    if (!o.counted) continue;
    if (o.check.type === 'tokens') tokenKeys.push(o.check.key);
    else if (o.taken?.kind === 'slot') slotKeys.push(o.taken.key);
  }
  return tokenKeys.length || slotKeys.length ? { tokenKeys, slotKeys } : undefined;
}

function refusal(refused: CheckOutcome, outcomes: readonly CheckOutcome[], now: number): Error {
  const { check } = refused;
  const resetAt = resetAtText(now + refused.resetMs);
  const headers = rateLimitHeaders(outcomes, {
    'retry-after': String(Math.max(1, Math.ceil(refused.resetMs / 1000))),
    rate_limit_type: check.type,
    reset_at: resetAt,
  });
  return ERROR_BY_TYPE[check.type](
    { descriptor: check.descriptor, value: check.value, limitType: check.type, limit: check.limit, remaining: remaining(refused), resetAt },
    { headers },
  );
}

export default definePlugin<RateLimiterConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const tokensOf = TOKEN_COUNT[config.token_rate_limit_type ?? 'total'];
    let lastWarning = 0;
    const onCountersError = (err: unknown) => {
      const now = Date.now();
      if (now - lastWarning < COUNTERS_WARNING_INTERVAL_MS) return;
      lastWarning = now;
      ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate-limit counters failed; the limits they hold are not enforced meanwhile');
    };
    const counting = new LimitCounting(ctx.counters, config.parallel_request_ttl_ms ?? DEFAULT_SLOT_TTL_MS, onCountersError);

    return {
      async preCall(call) {
        const model = call.body.model;
        if (!anyLimit(call.scopes, model)) return;
        const now = Date.now();
        const outcomes = await counting.checkAll(limitChecks(call.scopes, model), now);
        const refused = outcomes.find((o) => !o.allowed);
        if (refused) {
          await counting.giveBack(outcomes);
          throw refusal(refused, outcomes, now);
        }
        const reservation = reservationOf(outcomes);
        if (reservation) call.state[PLUGIN_ID] = reservation;
        call.responseHeaders = rateLimitHeaders(outcomes, call.responseHeaders ?? {});
      },

      async onSpend(event) {
        const reservation = event.state[PLUGIN_ID] as RateLimitReservation | undefined;
        if (!reservation) return;
        const tokens = tokensOf(event.usage);
        const settle: Promise<unknown>[] = [];
        if (Number.isFinite(tokens) && tokens > 0) for (const key of reservation.tokenKeys) settle.push(counting.addTokens(key, tokens));
        for (const key of reservation.slotKeys) settle.push(counting.release(key));
        await Promise.all(settle.map((p) => p.catch(onCountersError)));
      },
    };
  },
});
