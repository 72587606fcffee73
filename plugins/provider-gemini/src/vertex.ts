/**
 * Vertex AI (`vertex_ai/<model>`): Google's publisher models under a project and location,
 * authorized with a bearer token from a service account (see vertex-auth.ts).
 */
import { httpTarget, type DeploymentConfig } from '../../../plugin-sdk/index.js';
import type { GeminiUpstream, ModelTargets, UpstreamAuth } from './gemini-adapter.js';
import { extraHeaders } from './extra-headers.js';
import type { AccessTokens, ServiceAccount } from './vertex-auth.js';

export const DEFAULT_VERTEX_LOCATION = 'us-central1';

export function vertexUpstream(deployment: DeploymentConfig, account: ServiceAccount, tokens: AccessTokens): GeminiUpstream {
  const project = stringParam(deployment, 'vertex_project') ?? account.projectId;
  if (!project) throw new Error('vertex_ai needs litellm_params.vertex_project (or a project_id in the credentials)');
  const location = stringParam(deployment, 'vertex_location') ?? DEFAULT_VERTEX_LOCATION;
  // The global endpoint has no location prefix on its host.
  const host = deployment.apiBase?.replace(/\/+$/, '') ?? (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`);
  const versioned = /\/v1(beta\d*)?$/.test(host) ? host : `${host}/v1`;
  const base = `${versioned}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`;
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
