/**
 * Which limits apply to a call, as a flat list of checks: one per (scope, limit type), plus the
 * key's per-model limits for the requested model. Pure: no I/O, so the no-limit path (most calls
 * of most deployments) is a loop over the scopes and nothing else.
 */
import type { LimitScope, ScopeKind } from '@sluice/plugin-sdk';

/** LiteLLM's `rate_limit_type` names, used in its messages and `x-ratelimit-*` headers. */
export type LimitType = 'requests' | 'tokens' | 'max_parallel_requests';

export interface LimitCheck {
  /** LiteLLM's descriptor name (`api_key`, `user`, `team`, `end_user`, `model_per_key`…). */
  descriptor: string;
  /** Who is limited: the scope's id (a key's hash, never the key), or `<key hash>:<model>`. */
  value: string;
  type: LimitType;
  limit: number;
  /** Counters key, without the window or bucket suffix the counters add. */
  key: string;
}

/** LiteLLM v3's descriptor names, so messages and headers read the same as LiteLLM's. */
const DESCRIPTOR: Record<ScopeKind, string> = {
  key: 'api_key',
  user: 'user',
  team: 'team',
  organization: 'organization',
  project: 'project',
  customer: 'end_user',
  tag: 'tag',
  team_member: 'team_member',
  proxy: 'proxy',
};

const isLimit = (n: number | null | undefined): n is number => typeof n === 'number' && n >= 0;

/** True when any scope limits the call: the only work done for calls that nothing limits. */
export function anyLimit(scopes: readonly LimitScope[], model: unknown): boolean {
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i]!;
    if (isLimit(s.rpmLimit) || isLimit(s.tpmLimit) || isLimit(s.maxParallelRequests)) return true;
    if (s.kind === 'key' && typeof model === 'string' && (isLimit(s.modelRpmLimit?.[model]) || isLimit(s.modelTpmLimit?.[model]))) return true;
  }
  return false;
}

export function limitChecks(scopes: readonly LimitScope[], model: unknown): LimitCheck[] {
  const checks: LimitCheck[] = [];
  for (const s of scopes) {
    const descriptor = DESCRIPTOR[s.kind];
    const id = `${s.kind}:${s.id}`;
    if (isLimit(s.rpmLimit)) checks.push({ descriptor, value: s.id, type: 'requests', limit: s.rpmLimit, key: `rl:rpm:${id}` });
    if (isLimit(s.tpmLimit)) checks.push({ descriptor, value: s.id, type: 'tokens', limit: s.tpmLimit, key: `rl:tpm:${id}` });
    if (isLimit(s.maxParallelRequests)) {
      checks.push({ descriptor, value: s.id, type: 'max_parallel_requests', limit: s.maxParallelRequests, key: `rl:par:${id}` });
    }
    if (s.kind !== 'key' || typeof model !== 'string') continue;
    const value = `${s.id}:${model}`;
    const rpm = s.modelRpmLimit?.[model];
    const tpm = s.modelTpmLimit?.[model];
    if (isLimit(rpm)) checks.push({ descriptor: 'model_per_key', value, type: 'requests', limit: rpm, key: `rl:rpm:model:${value}` });
    if (isLimit(tpm)) checks.push({ descriptor: 'model_per_key', value, type: 'tokens', limit: tpm, key: `rl:tpm:model:${value}` });
  }
  return checks;
}
