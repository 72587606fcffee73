/**
 * Mistral's native API as a pass-through (`/mistral/*`): the client's path (`/v1/chat/completions`,
 * `/v1/ocr`…) on the deployment's API root (its `/v1` appears once) with the deployment's key as
 * `Authorization: Bearer`, as LiteLLM sends it. The answer comes back untouched.
 */
import { forwardOverHttp, forwardUrl, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';

export function createMistralForward(http: HttpClient, deployment: DeploymentConfig, base: string, apiKey: string | undefined): (req: ForwardRequest) => Promise<ForwardResponse> {
  return (req) => {
    const headers: Record<string, string> = { ...req.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    return forwardOverHttp(http, deployment, req, { url: forwardUrl(base, req.path), headers });
  };
}
