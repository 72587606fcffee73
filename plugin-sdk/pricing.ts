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

/** One deployment of a model group, as a price estimate sees it (built once per config load). */
export interface PricedDeployment {
  readonly deployment: RoutableDeployment;
  /** `model_info` of the deployment. */
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /** The endpoints it serves. */
  readonly endpoints: readonly Endpoint[];
}

export interface Pricing {
  /** Cost in USD; 0 when the model is unknown. Runs on the request path: must be a lookup, no I/O. */
  costOf(input: PricingInput): number;
  /**
   * What a call of this size to a model group would cost, in USD, before it is made: the answer
   * to `ctx.models.estimateCost` (budget reservations). A lookup, no I/O. Without it, estimates are 0.
   */
  estimateCost?(group: readonly PricedDeployment[], promptTokens: number, completionTokens: number): number;
}
