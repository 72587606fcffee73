/** The URLs and credentials of Google pass-through requests (the HTTP client is recorded, not called). */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeploymentConfig, HttpClient, HttpRequestOptions, HttpTarget } from '@sluice/plugin-sdk';
import type { ServiceAccountKey, ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';
import { createAiStudioForward, createVertexForward } from '../src/forward-request.js';

const never = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const account: ServiceAccountKey = { clientEmail: 'sa@p.iam.gserviceaccount.com', privateKey, privateKeyId: 'k', tokenUri: 'http://127.0.0.1:9/token', projectId: 'sa-project', privateKeyPem: '' };

function deployment(params: Record<string, unknown>, apiBase?: string): DeploymentConfig {
  return { id: 'd', modelName: 'm', provider: 'vertex_ai', model: 'gemini-2.0-flash', apiBase, apiKey: undefined, apiVersion: undefined, timeoutMs: 1000, streamTimeoutMs: 1000, rpm: undefined, tpm: undefined, params, modelInfo: {} };
}

function recorder(status = 200) {
  const sent: { url: string; options: HttpRequestOptions }[] = [];
  const http: HttpClient = {
    async request(url: string | HttpTarget, options: HttpRequestOptions = {}) {
      sent.push({ url: typeof url === 'string' ? url : url.origin + url.path, options });
      return { status, headers: {}, body: Object.assign((async function* () {})(), { text: async () => '', json: async () => ({}) }) };
    },
  };
  return { http, sent };
}

function tokens() {
  const invalidated: string[] = [];
  const source = { get: async () => 'ya29.token-1', invalidate: (t: string) => void invalidated.push(t) } as unknown as ServiceAccountTokenSource;
  return { source, invalidated };
}

const req = (path: string) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: new Uint8Array([123, 125]), signal: never });

describe('Vertex AI pass-through forward', () => {
  it('a path with its project and location goes as is to the deployment location’s host, with a token', async () => {
    const { http, sent } = recorder();
    const f = createVertexForward(http, deployment({ vertex_project: 'my-project', vertex_location: 'europe-west4' }), account, tokens().source);
    await f(req('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent'));
    expect(sent[0]!.url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent');
    expect(sent[0]!.options.headers).toMatchObject({ authorization: 'Bearer ya29.token-1', 'content-type': 'application/json' });
  });

  it('a path without gets the deployment’s project and location (v1beta1 for cached contents); streams get alt=sse; global has no location host', async () => {
    const { http, sent } = recorder();
    const f = createVertexForward(http, deployment({ vertex_location: 'global' }), account, tokens().source);
    await f(req('/publishers/google/models/gemini-2.0-flash:streamGenerateContent'));
    await f(req('/cachedContents?pageSize=2'));
    await f(req('/publishers/google/models/g:streamGenerateContent?alt=json'));
    expect(sent.map((s) => s.url)).toEqual([
      'https://aiplatform.googleapis.com/v1/projects/sa-project/locations/global/publishers/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      'https://aiplatform.googleapis.com/v1beta1/projects/sa-project/locations/global/cachedContents?pageSize=2',
      'https://aiplatform.googleapis.com/v1/projects/sa-project/locations/global/publishers/google/models/g:streamGenerateContent?alt=json',
    ]);
  });

  it('a token Google refuses (401) is dropped so the next request gets a new one', async () => {
    const { http } = recorder(401);
    const t = tokens();
    const res = await createVertexForward(http, deployment({}), account, t.source)(req('/publishers/google/models/g:generateContent'));
    expect(res.status).toBe(401);
    expect(t.invalidated).toEqual(['ya29.token-1']);
  });
});

describe('AI Studio pass-through forward', () => {
  it('the client’s path on the host (an api_base written with its version too), keyed by x-goog-api-key', async () => {
    const { http, sent } = recorder();
    await createAiStudioForward(http, { ...deployment({}, 'http://127.0.0.1:9/v1beta'), provider: 'gemini' }, 'AIza-key')(req('/v1beta/models/gemini-2.0-flash:countTokens'));
    expect(sent[0]!.url).toBe('http://127.0.0.1:9/v1beta/models/gemini-2.0-flash:countTokens');
    expect(sent[0]!.options.headers!['x-goog-api-key']).toBe('AIza-key');
  });
});
