/**
 * Imagen through both Google APIs, driven with the official `openai` SDK through Sluice's
 * /v1/images/generations: the `:predict` request Google receives (prompt, sampleCount,
 * aspectRatio, the API key or a service-account token) and the OpenAI answer the client gets,
 * priced per image returned from the cost map.
 */
import { generateKeyPairSync } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { TOKEN_PATH, googleError, startFakeGoogle, type FakeGoogle } from './fake-google.js';

const API_KEY = 'AIzaSy-imagen-key-0123456789abcd';
const CLIENT_EMAIL = 'sluice-imagen@sa-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let google: FakeGoogle;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: API_KEY, publicKey: keys.publicKey, clientEmail: CLIENT_EMAIL });
  const account = {
    type: 'service_account',
    project_id: 'sa-project',
    private_key_id: 'key-1',
    private_key: keys.privateKey,
    client_email: CLIENT_EMAIL,
    token_uri: `${google.url}${TOKEN_PATH}`,
  };
  sluice = await startGateway({
    model_list: [
      { model_name: 'imagen', litellm_params: { model: 'gemini/imagen-4.0-generate-001', api_key: API_KEY, api_base: google.url } },
      { model_name: 'vertex-imagen', litellm_params: { model: 'vertex_ai/imagen-3.0-generate-002', vertex_project: 'my-project', vertex_location: 'us-central1', vertex_credentials: account, api_base: google.url } },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }],
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await google?.close();
});

beforeEach(() => {
  google.requests.length = 0;
  google.script = {};
});

const PNG_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

describe('Imagen on AI Studio', () => {
  it("sends :predict with the prompt, sampleCount and the size's aspect ratio, and answers data[].b64_json", async () => {
    const res = await client.images.generate({ model: 'imagen', prompt: 'a lighthouse at dusk', n: 2, size: '1792x1024' });
    expect(res.data).toEqual([{ b64_json: PNG_B64 }, { b64_json: PNG_B64 }]);
    const seen = google.requests.at(-1)!;
    expect(seen.url).toBe('/v1beta/models/imagen-4.0-generate-001:predict');
    expect(seen.headers['x-goog-api-key']).toBe(API_KEY);
    expect(seen.body).toEqual({ instances: [{ prompt: 'a lighthouse at dusk' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } });
  });

  it('prices the images returned at the cost map’s output_cost_per_image', async () => {
    const res = await fetch(`${sluice.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'imagen', prompt: 'three boats', n: 3 }),
    });
    expect(res.status).toBe(200);
    // gemini/imagen-4.0-generate-001: $0.04 an image.
    expect(Number(res.headers.get('x-litellm-response-cost'))).toBeCloseTo(0.12, 10);
  });

  it('relays a refusal from Google as an OpenAI error', async () => {
    google.script.predict = [googleError(400, 'INVALID_ARGUMENT', 'Image generation failed with the following error: The prompt could not be submitted.')];
    await expect(client.images.generate({ model: 'imagen', prompt: 'x' })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses more than 4 images before calling Google', async () => {
    await expect(client.images.generate({ model: 'imagen', prompt: 'x', n: 5 })).rejects.toMatchObject({ status: 400 });
    expect(google.requests).toHaveLength(0);
  });
});

describe('Imagen on Vertex AI', () => {
  it('sends :predict under the project and location with a service-account token', async () => {
    const res = await client.images.generate({ model: 'vertex-imagen', prompt: 'a red fox', size: '1024x1024' });
    expect(res.data).toHaveLength(4); // Imagen's default sampleCount
    const seen = google.requests.at(-1)!;
    expect(seen.url).toBe('/v1/projects/my-project/locations/us-central1/publishers/google/models/imagen-3.0-generate-002:predict');
    expect(seen.headers.authorization).toMatch(/^Bearer ya29\.fake-token-/);
    expect(seen.body).toEqual({ instances: [{ prompt: 'a red fox' }], parameters: { aspectRatio: '1:1' } });
  });
});
