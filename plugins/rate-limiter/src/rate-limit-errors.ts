/**
 * The 429 a refused call gets, worded as LiteLLM's rate limiter (parallel_request_limiter_v3)
 * words it, so clients that match on LiteLLM's text keep working. One code per limit type, so the
 * `x-sluice-error-code` header tells them apart without parsing the message.
 */
import { definePluginErrors, type ErrorSpec } from '@sluice/plugin-sdk';
import type { LimitType } from './limit-checks.js';

const EXCEEDED: ErrorSpec = {
  status: 429,
  type: 'rate_limit_error',
  param: 'None',
  message:
    'Rate limit exceeded for {descriptor}: {value}. Limit type: {limitType}. Current limit: {limit}, Remaining: {remaining}. Limit resets at: {resetAt}',
};

export const RateLimitErrors = definePluginErrors('RATE_LIMIT', {
  REQUESTS_EXCEEDED: EXCEEDED,
  TOKENS_EXCEEDED: EXCEEDED,
  PARALLEL_EXCEEDED: EXCEEDED,
});

export const ERROR_BY_TYPE = {
  requests: RateLimitErrors.REQUESTS_EXCEEDED,
  tokens: RateLimitErrors.TOKENS_EXCEEDED,
  max_parallel_requests: RateLimitErrors.PARALLEL_EXCEEDED,
} as const satisfies Record<LimitType, unknown>;

/** LiteLLM's `reset_at` format: `2025-01-31 23:59:00 UTC`. */
export function resetAtText(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
