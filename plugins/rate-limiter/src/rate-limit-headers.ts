/**
 * `x-ratelimit-*` headers. The OpenAI-style four (`x-ratelimit-remaining-requests`,
 * `-limit-requests`, `-remaining-tokens`, `-limit-tokens`) describe the most restrictive limit of
 * each type, which is what a client throttling itself needs; LiteLLM's per-descriptor ones
 * (`x-ratelimit-api_key-remaining-requests`, `x-ratelimit-team-limit-tokens`…) describe each.
 */
import type { CheckOutcome } from './limit-counting.js';

interface HeaderNames {
  remaining: string;
  limit: string;
}
/** Per descriptor and type (a handful): the names are built once, not twice per limit per call. */
const names = new Map<string, HeaderNames>();
const MAX_NAMES = 1_000;

function headerNames(descriptor: string, type: string): HeaderNames {
  const id = `${descriptor}\0${type}`;
  let n = names.get(id);
  if (n === undefined) {
    n = { remaining: `x-ratelimit-${descriptor}-remaining-${type}`, limit: `x-ratelimit-${descriptor}-limit-${type}` };
    if (names.size < MAX_NAMES) names.set(id, n);
  }
  return n;
}

export function rateLimitHeaders(outcomes: readonly CheckOutcome[], into: Record<string, string>): Record<string, string> {
  let requests: CheckOutcome | undefined;
  let tokens: CheckOutcome | undefined;
  let requestsLeft = Infinity;
  let tokensLeft = Infinity;
  const perDescriptor = new Map<string, number>();
  for (const o of outcomes) {
    if (!o.counted) continue;
    const { descriptor, type, limit } = o.check;
    const left = remaining(o);
    if (type === 'requests' && left < requestsLeft) [requests, requestsLeft] = [o, left];
    if (type === 'tokens' && left < tokensLeft) [tokens, tokensLeft] = [o, left];
    // Several tags may share a descriptor: the tightest one speaks for them.
    const name = headerNames(descriptor, type);
    const seen = perDescriptor.get(name.remaining);
    if (seen === undefined || left < seen) {
      perDescriptor.set(name.remaining, left);
      into[name.remaining] = String(left);
      into[name.limit] = String(limit);
    }
  }
  if (requests) {
    into['x-ratelimit-remaining-requests'] = String(requestsLeft);
    into['x-ratelimit-limit-requests'] = String(requests.check.limit);
  }
  if (tokens) {
    into['x-ratelimit-remaining-tokens'] = String(tokensLeft);
    into['x-ratelimit-limit-tokens'] = String(tokens.check.limit);
  }
  return into;
}

export function remaining(o: CheckOutcome): number {
  return Math.max(0, o.check.limit - o.used);
}
