/**
 * Gemini on Vertex AI (`vertex_ai/<model>`): service-account tokens (a signed JWT exchanged at
 * the account's token_uri, then cached), project/location URLs and `:predict` embeddings.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { failure } from './api-failure.js';
import { TOKEN_PATH, googleError, startFakeGoogle, type FakeGoogle } from './fake-google.js';

const CLIENT_EMAIL = 'sluice-test@sa-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let google: FakeGoogle;
let sluice: TestGateway;
let client: OpenAI;

function serviceAccount(privateKey: string, privateKeyId: string) {
  return {
    type: 'service_account',
    project_id: 'sa-project',
    private_key_id: privateKeyId,
    private_key: privateKey,
    client_email: CLIENT_EMAIL,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: `${google.url}${TOKEN_PATH}`,
  };
}

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: 'unused-here', publicKey: keys.publicKey, clientEmail: CLIENT_EMAIL });
  const account = serviceAccount(keys.privateKey, 'key-123');
  const credentialsFile = join(tempDir('sluice-gemini-'), 'service-account.json');
  writeFileSync(credentialsFile, JSON.stringify(account));
  sluice = await startGateway(
    {
      model_list: [
        {
          model_name: 'vertex-flash',
          litellm_params: { model: 'vertex_ai/gemini-2.0-flash', vertex_project: 'my-project', vertex_location: 'europe-west4', vertex_credentials: JSON.stringify(account), api_base: google.url },
        },
        { model_name: 'vertex-pro', litellm_params: { model: 'vertex_ai/gemini-2.5-pro', vertex_project: 'my-project', vertex_credentials: account, api_base: google.url } },
        { model_name: 'vertex-embed', litellm_params: { model: 'vertex_ai/text-embedding-005', api_base: google.url } },
        {
          model_name: 'vertex-stranger',
          litellm_params: { model: 'vertex_ai/gemini-2.0-flash', vertex_project: 'my-project', vertex_credentials: serviceAccount(strangerKeys.privateKey, 'key-999'), api_base: google.url },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: { GOOGLE_APPLICATION_CREDENTIALS: credentialsFile } },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await google?.close();
});

beforeEach(() => {
  google.requests.length = 0;
  google.script = {};
  google.tokenFailure = undefined;
  google.tokenLifetimeS = 3600;
});

const apiRequests = () => google.requests.filter((r) => r.url !== TOKEN_PATH);
const tokenRequests = () => google.requests.filter((r) => r.url === TOKEN_PATH);
const chat = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

/** Makes Vertex refuse the current token once, so the next call has to fetch a new one. */
async function forgetToken(): Promise<void> {
  google.script.generate = [googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')];
  await expect(chat('vertex-flash')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  google.requests.length = 0;
}

describe('Vertex AI auth', () => {
  it('exchanges a signed JWT for a token, sends it as Bearer and reuses it across calls and deployments', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await chat('vertex-flash');
    expect(res.choices[0]!.message.content).toBe('Hello from fake Gemini.');

    // The fake verified the assertion's RS256 signature with the account's public key.
    expect(google.jwts).toHaveLength(1);
    const { header, claims } = google.jwts[0]!;
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-123' });
    expect(claims).toEqual({
      iss: CLIENT_EMAIL,
      sub: CLIENT_EMAIL,
      aud: `${google.url}${TOKEN_PATH}`,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      iat: expect.any(Number),
      exp: (claims.iat as number) + 3600,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(tokenRequests()[0]!.body.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');

    const sent = apiRequests()[0]!;
    expect(sent.url).toBe('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent');
    expect(sent.headers.authorization).toBe(`Bearer ${google.issued[0]}`);
    expect(sent.headers['x-goog-api-key']).toBeUndefined();

    // Another call, another deployment of the same account (default location), and embeddings
    // through GOOGLE_APPLICATION_CREDENTIALS: no new exchange.
    await chat('vertex-flash');
    const stream = await client.chat.completions.create({ model: 'vertex-pro', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _ of stream) void _;
    await client.embeddings.create({ model: 'vertex-embed', input: 'x' });
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests().map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent', `Bearer ${google.issued[0]}`],
      ['/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent', `Bearer ${google.issued[0]}`],
      ['/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse', `Bearer ${google.issued[0]}`],
      ['/v1/projects/sa-project/locations/us-central1/publishers/google/models/text-embedding-005:predict', `Bearer ${google.issued[0]}`],
    ]);
  });

  it('fetches a new token after Vertex refused one, with one exchange for many concurrent calls', async () => {
    const issuedBefore = google.issued.length;
    await forgetToken();
    const results = await Promise.all(Array.from({ length: 6 }, () => chat('vertex-flash')));
    expect(results.every((r) => r.choices[0]!.message.content === 'Hello from fake Gemini.')).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(google.issued).toHaveLength(issuedBefore + 1);
    expect(new Set(apiRequests().map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${google.issued.at(-1)}`]));
  });

  it('refreshes a token within 60 s of its expiry, and keeps a fresh one', async () => {
    await forgetToken();
    google.tokenLifetimeS = 60; // already inside the refresh margin when it arrives
    await chat('vertex-flash');
    await chat('vertex-flash');
    expect(tokenRequests()).toHaveLength(2);
    google.tokenLifetimeS = 3600;
    await chat('vertex-flash');
    await chat('vertex-flash');
    await chat('vertex-flash');
    expect(tokenRequests()).toHaveLength(3);
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual([
      `Bearer ${google.issued.at(-3)}`,
      `Bearer ${google.issued.at(-2)}`,
      `Bearer ${google.issued.at(-1)}`,
      `Bearer ${google.issued.at(-1)}`,
      `Bearer ${google.issued.at(-1)}`,
    ]);
  });

  it('a token exchange the token server refuses (wrong key) is a 401 without secrets in it', async () => {
    const err = await failure(chat('vertex-stranger'));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('Vertex AI: the service account token exchange failed (HTTP 400, invalid_grant: Invalid JWT Signature.)');
    expect(apiRequests()).toHaveLength(0);
    const logs = sluice.logs.join('\n');
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toContain('ya29.fake-token');
  });

  it('a failing token server is a 502 for the client', async () => {
    await forgetToken();
    google.tokenFailure = { status: 503, body: { error: 'temporarily_unavailable' } };
    const err = await failure(chat('vertex-flash'));
    expect(err.status).toBe(502);
    google.tokenFailure = undefined;
    await chat('vertex-flash'); // nothing cached from the failure: the next call exchanges again
    expect(tokenRequests()).toHaveLength(2);
  });
});

describe('Vertex AI calls', () => {
  it('streams text chunks with usage from the final Vertex chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'vertex-pro',
      messages: [{ role: 'developer', content: 'Be kind.' }, { role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    let role: string | undefined;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe('assistant');
    expect(text).toBe('Hello from fake Gemini.');
    expect(usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(apiRequests().at(-1)!.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], systemInstruction: { parts: [{ text: 'Be kind.' }] } });
  });

  it('embeds through :predict with instances and outputDimensionality', async () => {
    const res = await client.embeddings.create({ model: 'vertex-embed', input: ['a', 'b'], dimensions: 3, encoding_format: 'float' });
    expect(apiRequests().at(-1)!.body).toEqual({ instances: [{ content: 'a' }, { content: 'b' }], parameters: { outputDimensionality: 3 } });
    expect(res).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, 0.25, -1] },
        { object: 'embedding', index: 1, embedding: [0.5, 0.5, -1] },
      ],
      model: 'text-embedding-005',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    const b64 = await client.embeddings.create({ model: 'vertex-embed', input: 'a' });
    expect(b64.data[0]!.embedding).toEqual([0.5, 0.25, -1]);
  });

  it('maps Vertex quota errors to 429 and a context overflow to context_length_exceeded', async () => {
    google.script.generate = [
      googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model.'),
      googleError(400, 'INVALID_ARGUMENT', 'Unable to submit request because the input token count is 2000000 but model only supports up to 1048576. Reduce the input token count and try again. The input token count exceeds the maximum number of tokens allowed.'),
    ];
    const quota = await failure(chat('vertex-flash'));
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    const overflow = await failure(chat('vertex-flash'));
    expect(overflow.status).toBe(400);
    expect(overflow.code).toBe('context_length_exceeded');
  });
});
