/**
 * `/v1/messages` to Claude on Vertex AI (`vertex_ai/claude-…`), natively: `:rawPredict` for a
 * message, `:streamRawPredict` for a stream, `count-tokens:rawPredict` for a count, each with a
 * token of the deployment's service account (the fake Google verifies the signed JWT and the
 * bearer token). The fake is proven with `@anthropic-ai/sdk` in provider-gemini's
 * vertex-claude.test.ts; here the same SDK drives Sluice.
 */
import { generateKeyPairSync } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { eventsOf, messageOf } from '../../provider-anthropic/test/fake-anthropic.js';
import { TOKEN_PATH, VERTEX_ANTHROPIC_VERSION, anthropicError, googleError, startFakeGoogle, type FakeGoogle } from '../../provider-gemini/test/fake-google.js';
import { newKey, OTHER_API_PLUGINS_OFF, spendRows } from './support.js';

const CLIENT_EMAIL = 'sluice-vertex-claude@sa-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const CLAUDE = 'claude-sonnet-4@20250514';
const RAW_PREDICT = `/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`;

let google: FakeGoogle;
let gw: TestGateway;
let client: Anthropic;

const claudeMessage = (id: string) =>
  messageOf({ id, model: CLAUDE, content: [{ type: 'text', text: 'Hello from Claude on Vertex.' }], usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } });
const apiRequests = () => google.requests.filter((r) => r.url !== TOKEN_PATH);

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: 'unused-here', publicKey: keys.publicKey, clientEmail: CLIENT_EMAIL });
  const account = { type: 'service_account', project_id: 'sa-project', private_key_id: 'key-1', private_key: keys.privateKey, client_email: CLIENT_EMAIL, token_uri: `${google.url}${TOKEN_PATH}` };
  gw = await startGateway({
    model_list: [
      {
        model_name: 'claude-vertex',
        litellm_params: {
          model: `vertex_ai/${CLAUDE}`,
          vertex_project: 'my-project',
          vertex_location: 'us-east5',
          vertex_credentials: account,
          api_base: google.url,
          input_cost_per_token: 0.000003,
          output_cost_per_token: 0.000015,
        },
      },
      // No prices of its own: LiteLLM's cost map has `vertex_ai/claude-sonnet-4@20250514`.
      { model_name: 'claude-vertex-mapped', litellm_params: { model: `vertex_ai/${CLAUDE}`, vertex_project: 'my-project', vertex_location: 'us-east5', vertex_credentials: account, api_base: google.url } },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, ...OTHER_API_PLUGINS_OFF],
  } as SluiceConfig);
  client = new Anthropic({ baseURL: gw.url, apiKey: await newKey(gw), maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await google?.close();
});
beforeEach(() => {
  google.requests.length = 0;
  google.script = {};
});

describe('Claude on Vertex AI, natively', () => {
  it(':rawPredict with a service-account token: the Anthropic body with vertex-2023-10-16 and no model, the beta as a header; the message relayed and priced', async () => {
    const message = claudeMessage('msg_vrtx_plain');
    google.script.rawPredict = [{ body: message }];
    const got = await client.messages.create(
      { model: 'claude-vertex', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }], metadata: { user_id: 'u-1' } },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    expect(got).toEqual(message);
    const [request] = apiRequests();
    expect(request!.url).toBe(RAW_PREDICT);
    expect(request!.headers.authorization).toBe(`Bearer ${google.issued.at(-1)}`);
    expect(request!.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(request!.body).toEqual({
      anthropic_version: VERTEX_ANTHROPIC_VERSION,
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
      metadata: { user_id: 'u-1' },
    });
    const [row] = await spendRows(gw, message.id);
    expect(row.call_type).toBe('anthropic_messages');
    expect(row.prompt_tokens).toBe(12);
    expect(row.completion_tokens).toBe(7);
    expect(row.spend).toBeCloseTo(12 * 0.000003 + 7 * 0.000015, 9);
  });

  it(':streamRawPredict: Claude’s SSE relayed as it came, accumulated by the SDK, usage priced', async () => {
    const message = claudeMessage('msg_vrtx_stream');
    google.script.streamRawPredict = [{ anthropicEvents: eventsOf(message) }];
    const final = await client.messages.stream({ model: 'claude-vertex', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage();
    const [request] = apiRequests();
    expect(request!.url).toBe(RAW_PREDICT.replace(':rawPredict', ':streamRawPredict'));
    expect(request!.body.stream).toBe(true);
    expect(request!.body.model).toBeUndefined();
    expect(final.id).toBe('msg_vrtx_stream');
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from Claude on Vertex.' })]);
    const [row] = await spendRows(gw, final.id);
    expect(row.prompt_tokens).toBe(12);
    expect(row.completion_tokens).toBe(7);
    expect(row.spend).toBeCloseTo(12 * 0.000003 + 7 * 0.000015, 9);
  });

  it('a deployment without prices is priced from the cost map, cache reads and writes included', async () => {
    const message = messageOf({ id: 'msg_vrtx_mapped', model: CLAUDE, content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 10, cache_read_input_tokens: 50 } });
    google.script.streamRawPredict = [{ anthropicEvents: eventsOf(message) }];
    const final = await client.messages.stream({ model: 'claude-vertex-mapped', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage();
    const [row] = await spendRows(gw, final.id);
    expect(row.prompt_tokens).toBe(160);
    // vertex_ai/claude-sonnet-4@20250514: $3 / $15 per Mtok, cache read $0.30, cache write $3.75.
    expect(row.spend).toBeCloseTo(100 * 0.000003 + 50 * 0.0000003 + 10 * 0.00000375 + 20 * 0.000015, 9);
  });

  it('an error event mid-stream reaches the SDK as an API error', async () => {
    const events = eventsOf(claudeMessage('msg_vrtx_broken')).slice(0, 3);
    google.script.streamRawPredict = [{ anthropicEvents: [...events, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] }];
    const err = await client.messages.stream({ model: 'claude-vertex', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('Overloaded');
  });

  it('Claude’s refusal comes back in Anthropic’s error shape with its status', async () => {
    google.script.rawPredict = [anthropicError(400, 'invalid_request_error', 'messages.0.content: text content blocks must be non-empty')];
    const err = await client.messages.create({ model: 'claude-vertex', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('must be non-empty') } });
  });

  it('Google’s quota refusal is a 429 rate_limit_error with retry-after', async () => {
    google.script.rawPredict = [googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }])];
    const err = await client.messages.create({ model: 'claude-vertex', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const rate = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rate.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('Quota exceeded') } });
    expect(rate.headers?.get('retry-after')).toBe('3');
  });

  it('count_tokens asks Vertex’s count-tokens:rawPredict, with the model in the body', async () => {
    google.script.countTokens = [{ body: { input_tokens: 4242 } }];
    const counted = await client.messages.countTokens({ model: 'claude-vertex', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
    expect(counted.input_tokens).toBe(4242);
    const [request] = apiRequests();
    expect(request!.url).toBe('/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict');
    expect(request!.body).toEqual({ anthropic_version: VERTEX_ANTHROPIC_VERSION, model: CLAUDE, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
  });
});
