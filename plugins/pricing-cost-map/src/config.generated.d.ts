/* eslint-disable */
/**
 * GENERATED from plugins/pricing-cost-map/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Where the model cost map comes from. At startup the bundled copy (or `file`) is used, so the gateway never needs the network to price calls; /reload/model_cost_map fetches `url` when set.
 */
export interface PricingCostMapConfig {
  /**
   * URL of a model cost map in LiteLLM's format, fetched by /reload/model_cost_map and the schedule.
   */
  url?: string;
  /**
   * Path of a model cost map file used instead of the bundled copy (and re-read on reload when no url is set).
   */
  file?: string;
  /**
   * Time allowed for fetching the map.
   */
  fetch_timeout_ms?: number;
}
