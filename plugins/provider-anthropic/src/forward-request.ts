/**
 * Anthropic's native API as a pass-through (`/anthropic/*`): the client's request goes to the
 * deployment's host unchanged but for the credential, the deployment's `x-api-key`, and an
 * `anthropic-version` when the client sent none (LiteLLM forwards the client's headers and sets
 * `x-api-key`). The answer comes back untouched, whatever its status.
 */
import { forwardOverHttp, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';
import { ANTHROPIC_VERSION, DEFAULT_API_BASE } from './anthropic-wire.js';

/** The API host of an api_base given as a host or as the `/v1` / `/v1/messages` URL. */
export function anthropicRoot(apiBase: string): string {
  return apiBase.replace(/\/+$/, '').replace(/\/v1(?:\/messages)?$/, '');
}

export function createAnthropicForward(http: HttpClient, deployment: DeploymentConfig, apiKey: string | undefined): (req: ForwardRequest) => Promise<ForwardResponse> {
  const root = anthropicRoot(deployment.apiBase ?? DEFAULT_API_BASE);
  return (req) => {
    const headers: Record<string, string> = { ...req.headers };
    headers['anthropic-version'] ??= ANTHROPIC_VERSION;
    if (apiKey) headers['x-api-key'] = apiKey;
    return forwardOverHttp(http, deployment, req, { url: root + req.path, headers });
  };
}
