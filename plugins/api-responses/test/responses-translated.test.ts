/**
 * `/v1/responses` to chat deployments: an Anthropic deployment (provider-anthropic against the
 * fake Anthropic API its own tests prove with `@anthropic-ai/sdk`) and the built-in `fake` one.
 * The `openai` SDK pointed at Sluice creates plain and streamed responses, with tool calls both
 * ways, continues them with previous_response_id (from Sluice's store, to chat and to native
 * deployments), reads, lists and deletes them; guardrail redactions reach the provider; each call
 * is priced in the spend logs.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { eventsOf, messageOf, startFakeAnthropic, type FakeAnthropic } from '../../provider-anthropic/test/fake-anthropic.js';
import { startFakeResponses, type FakeResponses } from './fake-openai-responses.js';
import { call, newKey, spendRows } from './support.js';

const ANTHROPIC_KEY = 'sk-ant-api03-responses-test-0009';
const OPENAI_KEY = 'sk-upstream-openai-responses-88';
const CLAUDE = 'claude-sonnet-4-5';
let anthropic: FakeAnthropic;
let openai: FakeResponses;
let gw: TestGateway;
let client: OpenAI;
let clientKey: string;

const weatherTool = { type: 'function' as const, name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false };

beforeAll(async () => {
  anthropic = await startFakeAnthropic(ANTHROPIC_KEY);
  openai = await startFakeResponses(OPENAI_KEY);
  gw = await startGateway({
    model_list: [
      { model_name: 'claude', litellm_params: { model: `anthropic/${CLAUDE}`, api_base: anthropic.url, api_key: ANTHROPIC_KEY, input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
      { model_name: 'gpt-5', litellm_params: { model: 'openai/gpt-5', api_base: `${openai.url}/v1`, api_key: OPENAI_KEY, input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
      { model_name: 'fake-model', litellm_params: { model: 'fake/fake-model', mock_response: 'Hello from the fake model', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { callbacks: ['hide_secrets'] },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }],
  } as SluiceConfig);
  clientKey = await newKey(gw);
  client = new OpenAI({ apiKey: clientKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await anthropic?.close();
  await openai?.close();
});
beforeEach(() => {
  anthropic.requests.length = 0;
  openai.requests.length = 0;
  anthropic.respond = (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }) });
});

const lastAnthropic = () => anthropic.requests.at(-1)!.body;

describe('Responses API translated for an Anthropic deployment', () => {
  it('instructions and input become system and messages; the answer is a response object; priced', async () => {
    const r = await client.responses.create({ model: 'claude', instructions: 'Be brief.', input: 'Hi there', max_output_tokens: 300, temperature: 0.5 });
    expect(lastAnthropic()).toMatchObject({ model: CLAUDE, system: 'Be brief.', max_tokens: 300, temperature: 0.5, messages: [{ role: 'user', content: 'Hi there' }] });
    expect(r).toMatchObject({ object: 'response', status: 'completed', model: 'claude', instructions: 'Be brief.' });
    expect(r.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(r.output_text).toBe('Hello from the fake Anthropic.');
    expect(r.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello from the fake Anthropic.', annotations: [] }] });
    expect(r.usage).toMatchObject({ input_tokens: 12, output_tokens: 6, total_tokens: 18 });
    const [row] = await spendRows(gw, r.id);
    expect(row.call_type).toBe('aresponses');
    expect(row.spend).toBeCloseTo(12 * 0.001 + 6 * 0.002, 6);
    const raw = await client.responses.create({ model: 'claude', input: 'again' }).withResponse();
    expect(Number(raw.response.headers.get('x-litellm-response-cost'))).toBeCloseTo(12 * 0.001 + 6 * 0.002, 6);
    expect(raw.response.headers.get('x-litellm-model-id')).toBeTruthy();
  });

  it('streams typed events in OpenAI order, with sequence numbers, that the SDK accumulates', async () => {
    anthropic.respond = (r) => ({ events: eventsOf(messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Streaming from Claude now.' }] }), { textPieces: 3 }) });
    const stream = client.responses.stream({ model: 'claude', input: 'Stream please' });
    const events: { type: string; sequence_number: number }[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Streaming from Claude now.');
    expect(final.usage).toMatchObject({ input_tokens: 12, output_tokens: 6 });
    const types = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const [row] = await spendRows(gw, final.id);
    expect(row.spend).toBeGreaterThan(0);
    expect(row.completion_tokens).toBe(6);
  });

  it('tools: Responses tools go out as Anthropic tools; tool_use comes back as function_call items (plain and streamed)', async () => {
    const toolUse = messageOf({ model: CLAUDE, stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] });
    anthropic.respond = () => ({ status: 200, json: toolUse });
    const r = await client.responses.create({ model: 'claude', input: 'Weather in Paris?', tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' } });
    expect(lastAnthropic().tools).toEqual([{ name: 'get_weather', description: 'Weather of a city', input_schema: weatherTool.parameters }]);
    expect(lastAnthropic().tool_choice).toMatchObject({ type: 'tool', name: 'get_weather' });
    expect(r.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' })]);

    anthropic.respond = () => ({ events: eventsOf(toolUse) });
    const stream = client.responses.stream({ model: 'claude', input: 'Weather in Paris?', tools: [weatherTool] });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'function_call', call_id: 'toolu_01', name: 'get_weather' });
    expect(JSON.parse((final.output[0] as { arguments: string }).arguments)).toEqual({ city: 'Paris' });
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types).toContain('response.function_call_arguments.done');
  });

  it('tools the other way: function_call and function_call_output items become tool_use and tool_result', async () => {
    await client.responses.create({
      model: 'claude',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: 'toolu_07', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'toolu_07', output: '18C and sunny' },
      ],
      tools: [weatherTool],
    });
    const sent = lastAnthropic().messages;
    expect(sent[1]).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_07', name: 'get_weather', input: { city: 'Paris' } }] });
    expect(sent[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_07' }] });
    expect(JSON.stringify(sent[2])).toContain('18C and sunny');
  });

  it('previous_response_id: the conversation is rebuilt from Sluice’s store; GET, input_items and DELETE are served from it', async () => {
    const first = await client.responses.create({ model: 'claude', input: 'My name is Ada.' });
    const second = await client.responses.create({ model: 'claude', input: 'What is my name?', previous_response_id: first.id });
    expect(lastAnthropic().messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello from the fake Anthropic.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(second.previous_response_id).toBe(first.id);

    const got = await client.responses.retrieve(second.id);
    expect(got).toMatchObject({ id: second.id, output_text: 'Hello from the fake Anthropic.' });
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is my name?' }] });
    expect(items.data[0]!.id).toMatch(/^msg_/);

    const deleted = await call(gw, 'DELETE', `/v1/responses/${second.id}`, undefined, clientKey);
    expect(deleted).toMatchObject({ status: 200, json: { id: second.id, object: 'response', deleted: true } });
    await expect(client.responses.retrieve(second.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'claude', input: 'x', previous_response_id: second.id })).rejects.toMatchObject({ status: 404 });
  });

  it('previous_response_id both ways between native and translated: the other side gets the conversation inlined', async () => {
    const native = await client.responses.create({ model: 'gpt-5', input: 'Remember 42.' });
    await client.responses.create({ model: 'claude', input: 'What number?', previous_response_id: native.id });
    expect(lastAnthropic().messages).toEqual([
      { role: 'user', content: 'Remember 42.' },
      { role: 'assistant', content: 'fake saw 1 items' },
      { role: 'user', content: 'What number?' },
    ]);
    const translated = await client.responses.create({ model: 'claude', input: 'Remember 7.' });
    const back = await client.responses.create({ model: 'gpt-5', input: 'Which one?', previous_response_id: translated.id });
    const sent = openai.requests.at(-1)!.body;
    expect(sent.previous_response_id).toBeUndefined(); // OpenAI does not know Sluice's id
    expect(sent.input).toHaveLength(3);
    expect(sent.input[1]).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello from the fake Anthropic.' }] });
    expect(back.output_text).toBe('fake saw 3 items');
  });

  it('a guardrail’s redaction reaches the provider, translated and native alike, and is what is stored', async () => {
    await client.responses.create({ model: 'claude', input: 'Connect with postgres://app:S3cretPw9@db.internal:5432/orders please' });
    expect(JSON.stringify(lastAnthropic().messages)).not.toContain('S3cretPw9');
    const native = await client.responses.create({ model: 'gpt-5', instructions: 'SERVICE_TOKEN=a8f3k2m9q1w7e5r4', input: 'my password = "pa55-W0rd!"' });
    const sent = openai.requests.at(-1)!.body;
    expect(JSON.stringify(sent)).not.toContain('pa55-W0rd!');
    expect(JSON.stringify(sent)).not.toContain('a8f3k2m9q1w7e5r4');
    expect(JSON.stringify(sent)).toContain('[REDACTED]');
    expect(sent.instructions).toBeUndefined();
    // Sluice's stored copy of the input (used when the conversation is inlined) holds the redacted text.
    await client.responses.create({ model: 'claude', input: 'go on', previous_response_id: native.id });
    expect(JSON.stringify(lastAnthropic().messages)).not.toContain('pa55-W0rd!');
  });
});

describe('Responses API on the built-in fake provider', () => {
  it('answers plain and streamed', async () => {
    const r = await client.responses.create({ model: 'fake-model', input: 'hi' });
    expect(r.output_text).toBe('Hello from the fake model');
    const final = await client.responses.stream({ model: 'fake-model', input: 'hi' }).finalResponse();
    expect(final.output_text).toBe('Hello from the fake model');
    // create({stream: true}) yields the same typed events.
    let text = '';
    let completed: string | undefined;
    for await (const e of await client.responses.create({ model: 'fake-model', input: 'hi', stream: true })) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') completed = e.response.status;
    }
    expect(text).toBe('Hello from the fake model');
    expect(completed).toBe('completed');
    const [row] = await spendRows(gw, final.id);
    expect(row.spend).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  it('missing model or input, wrong types: 400 in OpenAI’s format', async () => {
    const noModel = await call(gw, 'POST', '/v1/responses', { input: 'hi' });
    expect(noModel.status).toBe(400);
    expect(noModel.json.error).toEqual({ message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: '400' });
    const noInput = await call(gw, 'POST', '/responses', { model: 'claude' });
    expect(noInput.status).toBe(400);
    expect(noInput.json.error).toMatchObject({ message: "Missing required parameter: 'input'.", param: 'input', code: '400' });
    const badItem = await call(gw, 'POST', '/v1/responses', { model: 'claude', input: [42] });
    expect(badItem.status).toBe(400);
    expect(badItem.json.error.param).toBe('input[0]');
    const badStream = await call(gw, 'POST', '/v1/responses', { model: 'claude', input: 'x', stream: 'yes' });
    expect(badStream.status).toBe(400);
    expect(anthropic.requests).toHaveLength(0);
  });

  it('an unknown model is refused as chat refuses it', async () => {
    const r = await call(gw, 'POST', '/v1/responses', { model: 'no-such-model', input: 'hi' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('Invalid model name passed in model=no-such-model');
  });

  it('an unknown previous_response_id on a chat-only group: 404', async () => {
    const r = await call(gw, 'POST', '/v1/responses', { model: 'claude', input: 'hi', previous_response_id: 'resp_unknown' });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ message: "Previous response with id 'resp_unknown' not found.", param: 'previous_response_id' });
  });

  it('an unknown response id: 404 on GET, DELETE and input_items', async () => {
    for (const [method, path] of [['GET', '/v1/responses/resp_nope'], ['DELETE', '/v1/responses/resp_nope'], ['GET', '/v1/responses/resp_nope/input_items']] as const) {
      const r = await call(gw, method, path);
      expect(r.status).toBe(404);
      expect(r.json.error.message).toBe("Response with id 'resp_nope' not found.");
    }
  });

  it('a mid-stream upstream failure ends the stream with error and response.failed events', async () => {
    const partial = eventsOf(messageOf({ model: CLAUDE, content: [{ type: 'text', text: 'Half an answer' }] })).slice(0, 5);
    anthropic.respond = () => ({ events: partial, raw: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n' });
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude', input: 'hi', stream: true }),
    });
    const text = await res.text();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(types).not.toContain('response.completed');
  });
});
