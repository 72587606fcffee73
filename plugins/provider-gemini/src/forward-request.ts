/**
 * Google's native APIs as pass-throughs: `/gemini/*` to AI Studio with the deployment's API key,
 * `/vertex_ai/*` to Vertex AI with a token of the deployment's service account, the URL built as
 * LiteLLM builds it. Answers (SSE streams included) come back untouched.
 */
import { forwardOverHttp, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type HttpClient } from '@sluice/plugin-sdk';
import type { ServiceAccountKey, ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';
import { AI_STUDIO_BASE } from './ai-studio.js';
import { DEFAULT_VERTEX_LOCATION } from './vertex.js';

type Forward = (req: ForwardRequest) => Promise<ForwardResponse>;

/** The API host of an api_base written with or without its version. */
function hostOf(apiBase: string): string {
  return apiBase.replace(/\/+$/, '').replace(/\/v1(beta\d*)?$/, '');
}

/** AI Studio: the client's path (`/v1beta/models/…:generateContent`) on the deployment's host, keyed by `x-goog-api-key`. */
export function createAiStudioForward(http: HttpClient, deployment: DeploymentConfig, apiKey: string): Forward {
  const root = hostOf(deployment.apiBase ?? AI_STUDIO_BASE);
  return (req) => forwardOverHttp(http, deployment, req, { url: root + req.path, headers: { ...req.headers, 'x-goog-api-key': apiKey } });
}

/**
 * Vertex AI: a path that names its project and location (`/v1/projects/p/locations/l/…`) is sent
 * as is; any other is put under the deployment's project and location (`v1beta1` for cached
 * contents), as LiteLLM's construct_target_url does. A streamed generation without `alt` gets
 * `alt=sse`, as LiteLLM adds it.
 */
export function createVertexForward(http: HttpClient, deployment: DeploymentConfig, account: ServiceAccountKey, tokens: ServiceAccountTokenSource): Forward {
  const project = stringParam(deployment, 'vertex_project') ?? account.projectId ?? '';
  const location = stringParam(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
  const root = hostOf(deployment.apiBase ?? (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`));
  const prefix = (version: string) => `/${version}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}`;

  return async (req) => {
    const q = req.path.indexOf('?');
    const pathname = q === -1 ? req.path : req.path.slice(0, q);
    let query = q === -1 ? '' : req.path.slice(q + 1);
    const path = pathname.includes('locations') ? pathname : prefix(pathname.includes('cachedContent') ? 'v1beta1' : 'v1') + pathname;
    if (pathname.includes(':streamGenerateContent') && !new URLSearchParams(query).has('alt')) query = query ? `${query}&alt=sse` : 'alt=sse';
    const token = await tokens.get();
    const res = await forwardOverHttp(http, deployment, req, {
      url: root + path + (query ? `?${query}` : ''),
      headers: { ...req.headers, authorization: `Bearer ${token}` },
    });
    // Google refused the token: the next request exchanges a new one.
    if (res.status === 401) tokens.invalidate(token);
    return res;
  };
}

function stringParam(deployment: DeploymentConfig, name: string): string | undefined {
  const value = deployment.params[name];
  return typeof value === 'string' && value ? value : undefined;
}
