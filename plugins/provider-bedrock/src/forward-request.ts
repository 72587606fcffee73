/**
 * Bedrock's native API as a pass-through (`/bedrock/*`): the client's request (Converse,
 * ConverseStream, InvokeModel, agents…) is signed anew with the deployment's AWS credentials (or
 * sent with its Bedrock API key) and sent to `bedrock-runtime`, or to `bedrock-agent-runtime` for
 * the agent routes LiteLLM sends there. The answer, event streams included, comes back untouched.
 */
import { forwardBodyBytes, forwardOverHttp, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';
import type { BedrockSettings } from './deployment-settings.js';

/** Paths LiteLLM sends to `bedrock-agent-runtime` (its BEDROCK_AGENT_RUNTIME_PASS_THROUGH_ROUTES). */
const AGENT_RUNTIME_ROUTES = ['agents/', 'knowledgebases/', 'flows/', 'retrieveAndGenerate/', 'rerank/', 'generateQuery/', 'optimize-prompt/'];

const EMPTY = new Uint8Array(0);
/** `/model/{modelId}/{action}`: the model segment and the rest. */
const MODEL_PATH = /^\/model\/([^/]+)(\/.*)$/;

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function createBedrockForward(http: HttpClient, deployment: DeploymentConfig, settings: BedrockSettings): (req: ForwardRequest) => Promise<ForwardResponse> {
  const runtime = settings.endpoint;
  // A configured endpoint (a VPC endpoint, a test double) serves both; AWS's own hosts differ.
  const agentRuntime =
    runtime === `https://bedrock-runtime.${settings.region}.amazonaws.com` ? `https://bedrock-agent-runtime.${settings.region}.amazonaws.com` : runtime;
  const upstreamModel = deployment.model.includes('*') ? undefined : encodeURIComponent(deployment.model.replace(/^(converse|invoke)\//, ''));

  return async (req) => {
    // A path naming the model group (`/model/my-claude/converse`, routed to this deployment) is
    // sent with the deployment's model id, as LiteLLM's router pass-through does.
    const named = MODEL_PATH.exec(req.path);
    const path = upstreamModel !== undefined && named && decoded(named[1]!) === deployment.modelName ? `/model/${upstreamModel}${named[2]}` : req.path;
    const host = AGENT_RUNTIME_ROUTES.some((route) => path.includes(route)) ? agentRuntime : runtime;
    const url = new URL(host + path);
    // Signed over the exact bytes sent, so the body is gathered whole first.
    const body = (await forwardBodyBytes(req.body)) ?? EMPTY;
    const headers = await settings.signer.headersForRequest(req.method, url, body, req.headers);
    return forwardOverHttp(http, deployment, req, { url: url.href, headers, body });
  };
}
