/* eslint-disable */
/**
 * GENERATED from plugins/router-litellm/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Routing, retries, fallbacks and cooldowns. Every key also comes from LiteLLM's router_settings (or litellm_settings for the litellm_* ones); router_settings wins.
 */
export interface RouterLitellmConfig {
  /**
   * How a deployment is chosen within a model group.
   */
  routing_strategy?:
    | 'simple-shuffle'
    | 'least-busy'
    | 'latency-based-routing'
    | 'usage-based-routing'
    | 'usage-based-routing-v2'
    | 'cost-based-routing';
  /**
   * Strategy options, e.g. {lowest_latency_buffer: 0.1, ttl: 3600}.
   */
  routing_strategy_args?: {
    /**
     * Pick randomly among deployments within this fraction of the lowest latency.
     */
    lowest_latency_buffer?: number;
    /**
     * Seconds a latency sample stays relevant.
     */
    ttl?: number;
    [k: string]: unknown;
  };
  /**
   * Retries per model group on retryable errors (408, 429, 5xx, timeouts, connection errors).
   */
  num_retries?: number;
  /**
   * litellm_settings.num_retries.
   */
  litellm_num_retries?: number;
  /**
   * Minimum seconds to wait before a retry.
   */
  retry_after?: number;
  /**
   * Model groups to try when a group fails.
   */
  fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * litellm_settings.fallbacks.
   */
  litellm_fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * Groups to try when a request exceeds a model's context window.
   */
  context_window_fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * litellm_settings.context_window_fallbacks.
   */
  litellm_context_window_fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * Groups to try when a provider refuses content.
   */
  content_policy_fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * litellm_settings.content_policy_fallbacks.
   */
  litellm_content_policy_fallbacks?: {
    [k: string]: string[];
  }[];
  /**
   * Groups to try for any failing group without its own fallbacks.
   */
  default_fallbacks?: string[];
  /**
   * litellm_settings.default_fallbacks.
   */
  litellm_default_fallbacks?: string[];
  /**
   * Most fallback groups tried per call.
   */
  max_fallbacks?: number;
  /**
   * Failures per deployment per minute before it cools down.
   */
  allowed_fails?: number;
  /**
   * litellm_settings.allowed_fails.
   */
  litellm_allowed_fails?: number;
  /**
   * Seconds a failing deployment is taken out of rotation.
   */
  cooldown_time?: number;
  /**
   * litellm_settings.cooldown_time.
   */
  litellm_cooldown_time?: number;
  /**
   * Never take deployments out of rotation.
   */
  disable_cooldowns?: boolean;
  /**
   * Aliases of model groups.
   */
  model_group_alias?: {
    [k: string]:
      | string
      | {
          /**
           * The model group the alias points to.
           */
          model: string;
          /**
           * Hide the alias from /v1/models.
           */
          hidden?: boolean;
        };
  };
  /**
   * litellm_settings.model_group_alias.
   */
  litellm_model_group_alias?: {
    [k: string]:
      | string
      | {
          /**
           * The model group the alias points to.
           */
          model: string;
          /**
           * Hide the alias from /v1/models.
           */
          hidden?: boolean;
        };
  };
}
