/**
 * The enabled plugins' model access as one (plugin-sdk/model-access.ts): a call is refused by the
 * first plugin that refuses it, a listing narrowed by each in turn. Combined once per config load,
 * so a gateway with one provider (or none) pays nothing for the combining.
 */
import type { ModelAccess } from '@sluice/plugin-sdk';

export function combineModelAccess(providers: readonly ModelAccess[]): ModelAccess | undefined {
  if (providers.length <= 1) return providers[0];
  return {
    checkCall(principal, model) {
      for (const p of providers) p.checkCall(principal, model);
    },
    visibleModels(principal, models, query) {
      let shown = models;
      for (const p of providers) shown = p.visibleModels(principal, shown, query);
      return shown;
    },
  };
}
