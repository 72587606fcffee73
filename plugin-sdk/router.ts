/**
 * The routing contract. A router plugin decides which deployment serves a call and what happens
 * when it fails (retries, fallbacks, cooldowns); the kernel performs each attempt. Without a
 * router plugin the kernel tries one deployment per call, round-robin.
 */
import type { Endpoint, Usage } from './hook-contexts.js';
import type { JsonObject } from './json.js';
import type { ProviderResponse } from './provider.js';

/** A deployment as the router sees it (no credentials). */
export interface RoutableDeployment {
  readonly id: string;
  /** Model group the deployment belongs to. */
  readonly modelName: string;
  readonly provider: string;
  /** Upstream model this call would send (wildcard groups substitute the requested name). */
  readonly model: string;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** `litellm_params.weight` for weighted shuffling. */
  readonly weight: number | undefined;
  /** Every `litellm_params` entry except credentials. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RoutingRequest {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  /** The model the client asked for. */
  readonly model: string;
  /** The request body after preCall (read-only; includes gateway-only fields such as mock_response). */
  readonly body: Readonly<JsonObject>;
  readonly stream: boolean;
  /** Deployments of a model group that serve this endpoint; undefined when no such group exists. */
  group(model: string): readonly RoutableDeployment[] | undefined;
  /**
   * Calls one deployment once. Throws `UpstreamError` (with `status`, `timeout`, `retryAfter`) when
   * it fails; any other error (the client went away) ends routing and must be rethrown.
   */
  attempt(deployment: RoutableDeployment): Promise<ProviderResponse>;
  /**
   * Tells the kernel the router took a deployment out of rotation after this call's failed try of
   * it, for the call's record (`CallAttempt.cooledDown`: cooldown metrics and spans). Optional to call.
   */
  cooledDown?(deploymentId: string): void;
  /** The error to throw for a model group that does not exist. */
  modelNotFound(model: string): Error;
  /** The error to throw when every deployment is cooling down (429 with retry-after). */
  noDeploymentsAvailable(model: string, retryAfterSeconds: number): Error;
}

export interface RoutingOutcome {
  deployment: RoutableDeployment;
  response: ProviderResponse;
  /** Groups tried before the one that answered (for `x-litellm-attempted-fallbacks`). */
  attemptedFallbacks?: number;
  /** Retries made (for `x-litellm-attempted-retries`). */
  attemptedRetries?: number;
  /**
   * Called once when the call is over — response sent, stream ended, or failed after routing —
   * with the usage the kernel saw. Cheaper than an onSpend observer for a router's own accounting.
   */
  onFinish?(usage: Usage): void;
}

export interface Router {
  route(request: RoutingRequest): Promise<RoutingOutcome>;
}
