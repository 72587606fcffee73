/**
 * Cohere's native API as a pass-through (`/cohere/*`): the client's path (`/v2/rerank`,
 * `/v2/chat`, `/v1/embed`…) on the deployment's host with its key as `Authorization: Bearer`, as
 * LiteLLM sends it. The answer comes back untouched.
 */
import { forwardOverHttp, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';

export function createCohereForward(http: HttpClient, deployment: DeploymentConfig, root: string, apiKey: string | undefined): (req: ForwardRequest) => Promise<ForwardResponse> {
  return (req) => {
    const headers: Record<string, string> = { ...req.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    return forwardOverHttp(http, deployment, req, { url: root + req.path, headers });
  };
}
