/** Google AI Studio (`gemini/<model>`): the Generative Language API, keyed by `x-goog-api-key`. */
import { httpTarget, type DeploymentConfig } from '@sluice/plugin-sdk';
import type { GeminiUpstream, ModelTargets, UpstreamAuth } from './gemini-adapter.js';
import { extraHeaders } from './extra-headers.js';

export const AI_STUDIO_BASE = 'https://generativelanguage.googleapis.com';

export function aiStudioUpstream(deployment: DeploymentConfig, apiKey: string): GeminiUpstream {
  const host = (deployment.apiBase ?? AI_STUDIO_BASE).replace(/\/+$/, '');
  // An api_base written with its version (`…/v1beta`, as some LiteLLM configs do) is taken as is.
  const base = /\/v1(beta\d*)?$/.test(host) ? host : `${host}/v1beta`;
  const headers = { ...extraHeaders(deployment), 'content-type': 'application/json', accept: 'application/json', 'x-goog-api-key': apiKey };
  const auth: UpstreamAuth = { headers, streamHeaders: { ...headers, accept: 'text/event-stream' } };
  return {
    targetsFor(model: string): ModelTargets {
      // Tuned models live under tunedModels/, base models under models/.
      const resource = /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
      const path = `${base}/${resource}`;
      return {
        generate: httpTarget(`${path}:generateContent`),
        stream: httpTarget(`${path}:streamGenerateContent?alt=sse`),
        embed: httpTarget(`${path}:batchEmbedContents`),
        resource,
      };
    },
    auth: () => auth,
    embeddings: 'batchEmbedContents',
    secrets: [apiKey],
  };
}
