/**
 * Azure OpenAI's native API as a pass-through (`/azure/*`): the client's path
 * (`/openai/deployments/{name}/chat/completions?api-version=…`, `/openai/v1/…`) under the
 * deployment's resource, with its `api-key` or Microsoft Entra token. A path naming the model
 * group instead of an Azure deployment gets this deployment's name, as LiteLLM's router
 * pass-through sends it. The answer comes back untouched.
 */
import { forwardOverHttp, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';
import type { AzureDeploymentSettings } from './azure-settings.js';
import type { EntraTokenSource } from './entra-token.js';

/** `/openai/deployments/{name}` and the rest. */
const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/?]+)(.*)$/s;

export function createAzureForward(
  http: HttpClient,
  deployment: DeploymentConfig,
  settings: AzureDeploymentSettings,
  tokens: EntraTokenSource | undefined,
): (req: ForwardRequest) => Promise<ForwardResponse> {
  const auth = settings.auth;
  const upstreamName = deployment.model.includes('*') ? undefined : encodeURIComponent(deployment.model);
  return async (req) => {
    const named = DEPLOYMENT_PATH.exec(req.path);
    const path = upstreamName !== undefined && named && safeDecode(named[1]!) === deployment.modelName ? `/openai/deployments/${upstreamName}${named[2]}` : req.path;
    const headers: Record<string, string> = { ...req.headers };
    if (auth.kind === 'api-key') headers['api-key'] = auth.key;
    else headers.authorization = `Bearer ${auth.kind === 'entra-token' ? auth.token : await tokens!.token()}`;
    return forwardOverHttp(http, deployment, req, { url: settings.resourceRoot + path, headers });
  };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
