/* eslint-disable */
/**
 * GENERATED from plugins/access-routes/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Which routes the gateway serves, and which without a credential. Each entry is a path (`/spend/calculate`), a prefix ending in `*` (`/public/*`), a path with `{param}` segments, or one of LiteLLM's route groups (`LiteLLMRoutes.public_routes`, `openai_routes`, `management_routes`, `info_routes`, `spend_tracking_routes`, `llm_api_routes`…). Paths are matched as the router serves them (percent-decoded, duplicate and trailing slashes dropped, case-sensitive); a spelling that cannot be matched safely (an encoded '/' or NUL, a '.' or '..' segment, a malformed escape) is refused wherever a rule applies.
 */
export interface AccessRoutesConfig {
  /**
   * LiteLLM's `general_settings.public_routes`: routes served without a credential. The caller is an anonymous principal with role internal_user_viewer (as LiteLLM), so a route that needs a higher role still refuses it; a route that is also in admin_only_routes is never public.
   */
  public_routes?: string[] | null;
  /**
   * LiteLLM's `general_settings.allowed_routes`: when set, the only routes the gateway serves to anyone (the master key included, as in LiteLLM); any other is refused with 403 `Access forbidden: Route <route> not allowed`. The gateway's own unauthenticated routes (health, robots.txt) are not affected.
   */
  allowed_routes?: string[] | null;
  /**
   * LiteLLM's DISABLE_ADMIN_ENDPOINTS: `true` (boolean, or the string `true` in any case) refuses every management route (LiteLLM's management_routes group) with 403 `Management routes are disabled for this instance.`, for every caller. Plugins' in-process management calls are not affected.
   */
  disable_admin_endpoints?: boolean | string | null;
  /**
   * LiteLLM's DISABLE_LLM_API_ENDPOINTS: `true` refuses every LLM API route (OpenAI, Anthropic, Google, MCP and agent call paths, pass-through paths) with 403 `LLM API routes are disabled for this instance.`, for every caller.
   */
  disable_llm_api_endpoints?: boolean | string | null;
  /**
   * LiteLLM's `general_settings.admin_only_routes`: routes only a proxy_admin may call. The role check is made where the caller's key is recognised (governance-tenancy, which reads the same setting); this plugin keeps these routes out of public_routes.
   */
  admin_only_routes?: string[] | null;
  /**
   * The gateway's master key (LiteLLM `general_settings.master_key`, `LITELLM_MASTER_KEY`): the master key is not limited by `allowed_routes`, as in LiteLLM (its test_aadmin_only_routes creates users with the master key while allowed_routes lists only /embeddings and /key/generate).
   */
  master_key?: string;
}
