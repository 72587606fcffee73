/** The pricing contract: what a call cost, in USD, from its usage and the deployment that served it. */
import type { Endpoint, Usage } from './hook-contexts.js';
import type { RoutableDeployment } from './router.js';

export interface PricingInput {
  endpoint: Endpoint;
  usage: Usage;
  deployment: RoutableDeployment;
  /** `model_info` of the deployment (base_model, per-token overrides). */
  modelInfo: Readonly<Record<string, unknown>>;
}

export interface Pricing {
  /** Cost in USD; 0 when the model is unknown. Runs on the request path: must be a lookup, no I/O. */
  costOf(input: PricingInput): number;
}
