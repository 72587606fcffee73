/** `litellm_params.extra_headers` (or `headers`), sent with every call of a deployment. */
import type { DeploymentConfig } from '@sluice/plugin-sdk';

export function extraHeaders(deployment: DeploymentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
