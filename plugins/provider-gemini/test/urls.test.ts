/** Where each deployment's calls go, built once from litellm_params. */
import { describe, expect, it } from 'vitest';
import type { ServiceAccountKey, ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';
import type { DeploymentConfig } from '@sluice/plugin-sdk';
import { aiStudioUpstream } from '../src/ai-studio.js';
import { vertexUpstream } from '../src/vertex.js';

function deployment(provider: string, model: string, params: Record<string, unknown>, apiBase?: string): DeploymentConfig {
  return { id: 'd', modelName: 'm', provider, model, apiBase, apiKey: undefined, apiVersion: undefined, timeoutMs: 1000, streamTimeoutMs: 1000, rpm: undefined, tpm: undefined, params, modelInfo: {} };
}

const account = { projectId: 'sa-project' } as ServiceAccountKey;
const tokens = {} as ServiceAccountTokenSource;
const url = (t: { origin: string; path: string }) => t.origin + t.path;

describe('upstream URLs', () => {
  it('AI Studio: the public host by default, tuned models, and an api_base given with its version', () => {
    const studio = aiStudioUpstream(deployment('gemini', 'gemini-2.0-flash', {}), 'k');
    expect(url(studio.targetsFor('gemini-2.0-flash').stream)).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(url(studio.targetsFor('tunedModels/my-tune').generate)).toBe('https://generativelanguage.googleapis.com/v1beta/tunedModels/my-tune:generateContent');
    const proxied = aiStudioUpstream(deployment('gemini', 'x', {}, 'https://proxy.example/gemini/v1beta/'), 'k');
    expect(url(proxied.targetsFor('text-embedding-004').embed)).toBe('https://proxy.example/gemini/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(proxied.targetsFor('text-embedding-004').resource).toBe('models/text-embedding-004');
  });

  it('Vertex: the regional host, the global host, and the project from the credentials', () => {
    const regional = vertexUpstream(deployment('vertex_ai', 'gemini-2.5-pro', { vertex_project: 'p1', vertex_location: 'asia-northeast1' }), account, tokens);
    expect(url(regional.targetsFor('gemini-2.5-pro').generate)).toBe('https://asia-northeast1-aiplatform.googleapis.com/v1/projects/p1/locations/asia-northeast1/publishers/google/models/gemini-2.5-pro:generateContent');
    const global = vertexUpstream(deployment('vertex_ai', 'gemini-2.5-pro', { vertex_location: 'global' }), account, tokens);
    expect(url(global.targetsFor('gemini-2.5-pro').embed)).toBe('https://aiplatform.googleapis.com/v1/projects/sa-project/locations/global/publishers/google/models/gemini-2.5-pro:predict');
    expect(() => vertexUpstream(deployment('vertex_ai', 'g', {}), { projectId: undefined } as ServiceAccountKey, tokens)).toThrow('vertex_ai needs litellm_params.vertex_project');
  });
});
