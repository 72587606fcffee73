/**
 * Where a files or batches call goes, read as LiteLLM reads it: a model group (`model` from the
 * body or form, `?model=` or `x-litellm-model`; or `target_model_names` for a managed file), else
 * a provider (the `/{provider}/v1/…` path, the `custom-llm-provider` header, `?custom_llm_provider=`,
 * the body's or form's `custom_llm_provider`), else `openai`.
 */
import type { ForwardCall, ForwardResult, RouteRequest } from '@sluice/plugin-sdk';
import { FilesErrors } from './errors.js';

export type Destination =
  /** Answered by the provider's deployment for pass-through calls (or its environment credentials). */
  | { kind: 'provider'; provider: string }
  /**
   * Answered by a deployment of the model group. `managed`: a LiteLLM managed file
   * (`target_model_names`), whose id is a unified id; otherwise ids carry the group's name.
   */
  | { kind: 'model'; model: string; managed: boolean };

/** Where a stored file or batch lives (its row's columns). */
export interface StoredRoute {
  provider: string | null;
  model: string | null;
  deployment_id: string | null;
}

export const DEFAULT_PROVIDER = 'openai';

/** One string from a header or query value (the first of repeated ones), trimmed; undefined when blank. */
export function single(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

/** The provider a request names, in LiteLLM's order (path, header, query, then `fromBody`). */
export function namedProvider(req: RouteRequest, fromBody?: string): string | undefined {
  return single(req.params.provider) ?? single(req.headers['custom-llm-provider']) ?? single(req.query.custom_llm_provider) ?? fromBody;
}

/** The model group a request names: the body's `model` first, then `?model=`, then `x-litellm-model`. */
export function namedModel(req: RouteRequest, fromBody?: string): string | undefined {
  return fromBody ?? single(req.query.model) ?? single(req.headers['x-litellm-model']);
}

/** `target_model_names` as LiteLLM splits it: comma-separated values, blanks dropped, duplicates once. */
export function splitTargetModelNames(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''))];
}

/** A new object's destination: `model` beats `target_model_names` beats the provider (LiteLLM's route_create_file). */
export function destinationOf(input: { model?: string; targetModelNames: readonly string[]; provider?: string }): Destination {
  if (input.model) return { kind: 'model', model: input.model, managed: false };
  if (input.targetModelNames.length > 1) throw FilesErrors.ONE_TARGET_MODEL({ count: input.targetModelNames.length });
  if (input.targetModelNames.length === 1) return { kind: 'model', model: input.targetModelNames[0]!, managed: true };
  return { kind: 'provider', provider: input.provider ?? DEFAULT_PROVIDER };
}

export function routeOf(d: Destination, deploymentId: string | undefined): StoredRoute {
  return d.kind === 'model' ? { provider: null, model: d.model, deployment_id: deploymentId ?? null } : { provider: d.provider, model: null, deployment_id: null };
}

/** The kernel's answer when a pinned deployment is no longer served. */
const DEPLOYMENT_GONE = 'SLUICE_ERR_FORWARD_DEPLOYMENT_GONE';

/**
 * Sends a request about a stored object where the object lives: the deployment that took it (a
 * model group's deployments may be different provider accounts), else, when that deployment is
 * no longer served, its model group; or the provider it was sent to.
 */
export async function forwardStored(req: RouteRequest, route: StoredRoute, request: ForwardCall['request']): Promise<ForwardResult> {
  if (route.model !== null && route.deployment_id !== null) {
    try {
      return await req.forward!({ deploymentId: route.deployment_id, request });
    } catch (err) {
      if ((err as { code?: unknown }).code !== DEPLOYMENT_GONE) throw err;
    }
  }
  return req.forward!({ ...(route.model !== null ? { model: route.model } : { provider: route.provider ?? DEFAULT_PROVIDER }), request });
}
