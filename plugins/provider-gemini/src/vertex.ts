/**
 * Vertex AI (`vertex_ai/<model>`): Google's publisher models under a project and location,
 * authorized with a bearer token from a service account (plugin-sdk/google-service-account.ts).
 */
import { httpTarget, UpstreamError, type DeploymentConfig } from '@sluice/plugin-sdk';
import type { ServiceAccountKey, ServiceAccountTokenSource, TokenExchangeFailure } from '@sluice/plugin-sdk/node';
import type { GeminiUpstream, ModelTargets, UpstreamAuth } from './gemini-adapter.js';
import { extraHeaders } from './extra-headers.js';
import { openAIErrorBody } from './google-errors.js';

export const DEFAULT_VERTEX_LOCATION = 'us-central1';

/** Where a Vertex deployment's calls go: its project and location, and the versioned API root. */
export interface VertexSite {
  project: string;
  location: string;
  /** `https://{location}-aiplatform.googleapis.com/v1` (or the api_base, versioned). */
  root: string;
}

export function vertexSite(deployment: DeploymentConfig, account: ServiceAccountKey): VertexSite {
  const project = stringParam(deployment, 'vertex_project') ?? account.projectId;
  if (!project) throw new UpstreamError('vertex_ai needs litellm_params.vertex_project (or a project_id in the credentials)', { status: 401 });
  const location = stringParam(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
  // The global endpoint has no location prefix on its host.
  const host = deployment.apiBase?.replace(/\/+$/, '') ?? (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`);
  return { project, location, root: /\/v1(beta\d*)?$/.test(host) ? host : `${host}/v1` };
}

export function vertexUpstream(deployment: DeploymentConfig, account: ServiceAccountKey, tokens: ServiceAccountTokenSource): GeminiUpstream {
  const { project, location, root } = vertexSite(deployment, account);
  const base = `${root}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`;
  const staticHeaders = { ...extraHeaders(deployment), 'content-type': 'application/json', accept: 'application/json' };

  // Header objects are built once per token, not per call.
  let current: { token: string; auth: UpstreamAuth } | undefined;
  const authFor = (token: string): UpstreamAuth => {
    if (current?.token === token) return current.auth;
    const headers = { ...staticHeaders, authorization: `Bearer ${token}` };
    const auth: UpstreamAuth = { headers, streamHeaders: { ...headers, accept: 'text/event-stream' }, rejected: () => tokens.invalidate(token) };
    current = { token, auth };
    return auth;
  };

  return {
    targetsFor(model: string): ModelTargets {
      const path = `${base}/${model}`;
      return {
        generate: httpTarget(`${path}:generateContent`),
        stream: httpTarget(`${path}:streamGenerateContent?alt=sse`),
        embed: httpTarget(`${path}:predict`),
        resource: model,
      };
    },
    auth: async () => authFor(await tokens.get()),
    embeddings: 'predict',
    secrets: [],
  };
}

function stringParam(deployment: DeploymentConfig, name: string): string | undefined {
  const value = deployment.params[name];
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * A refused exchange (`invalid_grant`: wrong key, disabled account, clock skew) is an auth
 * failure of the deployment; a failing token server is a 5xx like any upstream's.
 */
export function vertexTokenExchangeError(failure: TokenExchangeFailure): UpstreamError {
  const { status } = failure;
  const message = `Vertex AI: the service account token exchange failed (${failure.detail})`;
  if (status >= 500 || status < 400) {
    const upstream = status >= 500 ? status : 502;
    return new UpstreamError(message, { status: upstream, body: openAIErrorBody(message, 'api_error', upstream) });
  }
  return new UpstreamError(message, { status: 401, body: openAIErrorBody(message, 'authentication_error', 401) });
}
