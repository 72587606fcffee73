/** The router's effective settings: router_settings over litellm_settings over defaults. */
import type { RouterLitellmConfig } from './config.generated.js';

export type Strategy = NonNullable<RouterLitellmConfig['routing_strategy']>;

export interface RouterSettings {
  strategy: Strategy;
  latencyBuffer: number;
  numRetries: number;
  retryAfterMs: number;
  fallbacks: Map<string, string[]>;
  contextWindowFallbacks: Map<string, string[]>;
  contentPolicyFallbacks: Map<string, string[]>;
  defaultFallbacks: string[];
  maxFallbacks: number;
  allowedFails: number;
  cooldownMs: number;
  cooldowns: boolean;
  aliases: Map<string, string>;
}

function fallbackMap(list: Record<string, string[]>[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of list ?? []) for (const [model, targets] of Object.entries(entry)) out.set(model, [...(out.get(model) ?? []), ...targets]);
  return out;
}

export function routerSettings(c: RouterLitellmConfig): RouterSettings {
  const aliases = new Map<string, string>();
  for (const [alias, target] of Object.entries({ ...c.litellm_model_group_alias, ...c.model_group_alias })) {
    aliases.set(alias, typeof target === 'string' ? target : target.model);
  }
  return {
    strategy: c.routing_strategy ?? 'simple-shuffle',
    latencyBuffer: typeof c.routing_strategy_args?.lowest_latency_buffer === 'number' ? c.routing_strategy_args.lowest_latency_buffer : 0,
    numRetries: c.num_retries ?? c.litellm_num_retries ?? 0,
    retryAfterMs: (c.retry_after ?? 0) * 1000,
    fallbacks: fallbackMap(c.fallbacks ?? c.litellm_fallbacks),
    contextWindowFallbacks: fallbackMap(c.context_window_fallbacks ?? c.litellm_context_window_fallbacks),
    contentPolicyFallbacks: fallbackMap(c.content_policy_fallbacks ?? c.litellm_content_policy_fallbacks),
    defaultFallbacks: c.default_fallbacks ?? c.litellm_default_fallbacks ?? [],
    maxFallbacks: c.max_fallbacks ?? 5,
    // LiteLLM's defaults: 3 failures a minute, 5 s out of rotation.
    allowedFails: c.allowed_fails ?? c.litellm_allowed_fails ?? 3,
    cooldownMs: (c.cooldown_time ?? c.litellm_cooldown_time ?? 5) * 1000,
    cooldowns: c.disable_cooldowns !== true,
    aliases,
  };
}
