/**
 * `/v1/messages` to an anthropic/ deployment, the way Claude Code uses it: `@anthropic-ai/sdk`
 * pointed at Sluice with a virtual key. The request reaches the fake Anthropic as the client
 * wrote it (the deployment's model, its key in x-api-key, the client's anthropic-version and
 * anthropic-beta), the answer comes back as Anthropic wrote it (streams byte for byte), a
 * guardrail's redaction reaches the native request, and each call is one priced spend row.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { errorReply, eventsOf, messageOf, startFakeAnthropic, type FakeAnthropic } from '../../provider-anthropic/test/fake-anthropic.js';
import { call, newKey, OTHER_API_PLUGINS_OFF, spendRows } from './support.js';

const DEPLOYMENT_KEY = 'sk-ant-api03-deployment-key-native-01';
const UPSTREAM_MODEL = 'claude-sonnet-4-5-20250929';
let fake: FakeAnthropic;
let gw: TestGateway;
let virtualKey: string;
let client: Anthropic;

const defaultRespond: FakeAnthropic['respond'] = (r) => ({
  status: 200,
  json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }], usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 10, cache_read_input_tokens: 50 } }),
});

beforeAll(async () => {
  fake = await startFakeAnthropic(DEPLOYMENT_KEY);
  gw = await startGateway({
    model_list: [
      {
        model_name: 'claude-sonnet',
        litellm_params: {
          model: `anthropic/${UPSTREAM_MODEL}`,
          api_base: fake.url,
          api_key: DEPLOYMENT_KEY,
          input_cost_per_token: 0.000003,
          output_cost_per_token: 0.000015,
          cache_read_input_token_cost: 0.0000003,
          cache_creation_input_token_cost: 0.00000375,
        },
      },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { callbacks: ['hide_secrets'] },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, ...OTHER_API_PLUGINS_OFF],
  } as SluiceConfig);
  virtualKey = await newKey(gw);
  // The SDK sends its apiKey as `Authorization: Bearer`, as Claude Code's ANTHROPIC_AUTH_TOKEN does.
  client = new Anthropic({ baseURL: gw.url, apiKey: virtualKey, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.respond = defaultRespond;
});

function sent() {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

describe('native pass-through to Anthropic', () => {
  it('sends the request as written with the deployment model and key, relays the message, records one priced spend row', async () => {
    const params = {
      model: 'claude-sonnet',
      max_tokens: 300,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      temperature: 0.5,
      top_k: 5,
      metadata: { user_id: 'user-42' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      // The SDK's own types (a newer API version) no longer list the sampling parameters Claude Code still sends.
    } as Anthropic.MessageCreateParamsNonStreaming;
    const { data: message, response } = await client.messages.create(params, { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } }).withResponse();
    const request = sent();
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe(DEPLOYMENT_KEY);
    expect(request.headers.authorization).toBeUndefined();
    expect(JSON.stringify(request.headers)).not.toContain(virtualKey);
    // The client's own anthropic-version travels on (the SDK sends its API version).
    expect(request.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(request.body).toEqual({ ...params, model: UPSTREAM_MODEL });
    expect(message).toEqual(defaultRespond(request as never) && (defaultRespond(request as never) as { json: unknown }).json);
    expect(response.headers.get('x-litellm-model-id')).toBeTruthy();

    const [row] = await spendRows(gw, message.id);
    expect(row.call_type).toBe('anthropic_messages');
    expect(row.model_group ?? row.model).toBeTruthy();
    expect(row.prompt_tokens).toBe(160);
    expect(row.completion_tokens).toBe(20);
    expect(row.spend).toBeCloseTo(100 * 0.000003 + 50 * 0.0000003 + 10 * 0.00000375 + 20 * 0.000015, 9);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeCloseTo(row.spend, 9);
    // Neither credential reaches a log line or the stored row.
    expect(gw.logs.join('\n')).not.toContain(DEPLOYMENT_KEY);
    expect(gw.logs.join('\n')).not.toContain(virtualKey);
    expect(JSON.stringify(row)).not.toContain(DEPLOYMENT_KEY);
  });

  it('takes the virtual key in x-api-key too, as Claude Code sends ANTHROPIC_API_KEY', async () => {
    const viaHeader = new Anthropic({ baseURL: gw.url, apiKey: null, defaultHeaders: { 'x-api-key': virtualKey }, maxRetries: 0 });
    const message = await viaHeader.messages.create({ model: 'claude-sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content[0]).toEqual({ type: 'text', text: 'Hello from the fake Anthropic.' });
    expect(sent().headers['x-api-key']).toBe(DEPLOYMENT_KEY);
  });

  it('relays a stream byte for byte: create({stream: true}) events and messages.stream().finalMessage()', async () => {
    const upstream = messageOf({ id: 'msg_stream_native_01', model: UPSTREAM_MODEL, content: [{ type: 'text', text: 'Streaming hello there.' }], usage: { input_tokens: 30, output_tokens: 6 } });
    fake.respond = () => ({ events: eventsOf(upstream) });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': virtualKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'stream' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toBe(eventsOf(upstream).map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''));
    expect(sent().body.stream).toBe(true);
    expect(sent().headers['anthropic-version']).toBe('2023-06-01');

    fake.requests.length = 0;
    const stream = await client.messages.create({ model: 'claude-sonnet', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'stream' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);

    const final = await client.messages.stream({ model: 'claude-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'stream' }] }).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Streaming hello there.', citations: undefined }].map(({ citations: _c, ...b }) => b));
    const [row] = await spendRows(gw, final.id);
    expect(row.call_type).toBe('anthropic_messages');
    expect(row.prompt_tokens).toBe(30);
    expect(row.completion_tokens).toBe(6);
    expect(row.spend).toBeCloseTo(30 * 0.000003 + 6 * 0.000015, 9);
  });

  it('a client leaving mid-stream stops the upstream and still records the call (failure, 499) with the usage so far', async () => {
    const upstream = messageOf({ id: 'msg_stream_left_01', model: UPSTREAM_MODEL, content: [{ type: 'text', text: 'a long answer that is never read to its end' }], usage: { input_tokens: 40, output_tokens: 9 } });
    fake.respond = () => ({ events: eventsOf(upstream, { textPieces: 10 }), pauseMs: 100 });
    const aborter = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': virtualKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'stream' }] }),
      signal: aborter.signal,
    });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('message_start');
    aborter.abort();
    const [row] = await spendRows(gw, 'msg_stream_left_01');
    expect(row.status).toBe('failure');
    expect(row.metadata).toMatchObject({ status_code: 499, error_code: 'SLUICE_ERR_CLIENT_CLOSED' });
    expect(row.prompt_tokens).toBe(40);
  });

  it('round-trips a tool call: tool_use answered, then the tool_result sent back as written', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    fake.respond = (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' }) });
    const first = await client.messages.create({ model: 'claude-sonnet', max_tokens: 100, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }]);
    fake.requests.length = 0;
    fake.respond = defaultRespond;
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'Sunny, 21°C' }] },
    ];
    const second = await client.messages.create({ model: 'claude-sonnet', max_tokens: 100, tools, messages });
    expect(second.stop_reason).toBe('end_turn');
    expect(sent().body.messages).toEqual(messages);
    expect(sent().body.tools).toEqual(tools);
  });

  it('sends what the hide_secrets guardrail redacted, not what the client wrote', async () => {
    const secret = 'sk-proj-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4';
    await client.messages.create({
      model: 'claude-sonnet',
      max_tokens: 10,
      system: `Use the key ${secret}`,
      messages: [{ role: 'user', content: [{ type: 'text', text: `my key is ${secret}` }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
    });
    const body = sent().body;
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(body.system).toContain('[REDACTED]');
    expect(body.messages[0].content[0].text).toContain('[REDACTED]');
    expect(body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } });
  });

  it('counts tokens natively on an anthropic deployment', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens is this?' }];
    const count = await client.messages.countTokens({ model: 'claude-sonnet', messages, system: 'sys' });
    const request = sent();
    expect(request.path).toBe('/v1/messages/count_tokens');
    expect(request.headers['x-api-key']).toBe(DEPLOYMENT_KEY);
    expect(request.body).toEqual({ model: UPSTREAM_MODEL, messages, system: 'sys' });
    expect(count).toEqual({ input_tokens: Math.ceil(JSON.stringify(messages).length / 4) });
  });

  it("relays Anthropic's error with its status and type", async () => {
    fake.respond = () => errorReply(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit');
    const err = await client.messages.create({ model: 'claude-sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringContaining('per-minute rate limit') } });
  });
});

describe('Anthropic-format errors for bad input', () => {
  const bearer = () => ({ authorization: `Bearer ${virtualKey}` });

  it('missing max_tokens / messages / model: 400 invalid_request_error naming the field', async () => {
    for (const [body, message] of [
      [{ model: 'claude-sonnet', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens: Field required'],
      [{ model: 'claude-sonnet', max_tokens: 5 }, 'messages: Field required'],
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'model: Field required'],
      [{ model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, "messages.0.role: Input should be 'user' or 'assistant'"],
    ] as const) {
      const r = await call(gw, '/v1/messages', body, bearer());
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message } });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('bad JSON: 400 in the Anthropic shape', async () => {
    const r = await call(gw, '/v1/messages', '{"model": "claude-sonnet", ', bearer());
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('unknown model: 400 naming it', async () => {
    const r = await call(gw, '/v1/messages', { model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, bearer());
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('no-such-model') } });
  });

  it('invalid key: 401 authentication_error, for both key headers', async () => {
    for (const headers of [{ authorization: 'Bearer sk-not-a-key' }, { 'x-api-key': 'sk-not-a-key' }] as Record<string, string>[]) {
      const r = await call(gw, '/v1/messages', { model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, headers);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    }
    const sdkErr = await new Anthropic({ baseURL: gw.url, apiKey: 'sk-not-a-key', maxRetries: 0 }).messages.create({ model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(sdkErr).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('JSON nested too deep: refused by the server before any call, in the Anthropic shape', async () => {
    const deep: unknown = Array.from({ length: 80 }).reduce<unknown>((inner) => ({ a: inner }), 1);
    const r = await call(gw, '/v1/messages', { model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], metadata: { user_id: 'u', deep } }, bearer());
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(fake.requests).toHaveLength(0);
  });

  it('a client that sends no anthropic-version gets the default one upstream', async () => {
    const r = await call(gw, '/v1/messages', { model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, bearer());
    expect(r.status).toBe(200);
    expect(sent().headers['anthropic-version']).toBe('2023-06-01');
  });
});

