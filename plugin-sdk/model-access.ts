/**
 * The model access contract: which model groups a caller may call and sees in `/v1/models`. The
 * kernel asks; a plugin decides (governance-tenancy, from `Principal.models`). Every enabled
 * provider is asked: a call goes ahead only if none refuses, a model is listed only if all show it.
 */
import type { ModelListing } from './capabilities.js';
import type { Principal } from './hook-contexts.js';

export interface ModelAccess {
  /**
   * Throws the verdict (a coded 4xx) when `principal` may not call `model`. Runs on every call,
   * after the preCall hooks (it sees the model they settled on): must be a lookup, no I/O.
   */
  checkCall(principal: Principal, model: string): void;
  /**
   * The model groups `principal` sees in `/v1/models`, out of `models` (in config order). `query`
   * is the listing request's query string, for listing options a provider honours (LiteLLM's
   * `only_model_access_groups`).
   */
  visibleModels(principal: Principal, models: readonly ModelListing[], query?: Readonly<Record<string, unknown>>): readonly ModelListing[];
}
