/** Chat through Sluice to (fake) Bedrock Converse, driven with the official `openai` SDK. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { CLAUDE_ID, CLAUDE_PATH, PNG_BYTES, PNG_DATA_URL, PROFILE_ARN, startBedrockGateway } from './support/bedrock-gateway.js';
import { DEFAULT_REPLY_TEXT, TEST_BEARER_TOKEN, TEST_CREDENTIALS, TEST_REGION, startFakeBedrock, type FakeBedrock } from './support/fake-bedrock.js';

let bedrock: FakeBedrock;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  ({ sluice, client } = await startBedrockGateway(bedrock.url));
});

afterAll(async () => {
  await sluice?.close();
  await bedrock?.close();
});

beforeEach(() => {
  bedrock.handler = undefined;
});

const converseAnswer = (content: unknown[], stopReason = 'end_turn', usage: Record<string, number> = { inputTokens: 11, outputTokens: 5, totalTokens: 16 }) => ({
  json: { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 100 } },
});

describe('chat through Converse', () => {
  it('translates a plain chat both ways and signs it with SigV4', async () => {
    const res = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
    });
    expect(res.choices).toEqual([{ index: 0, message: { role: 'assistant', content: DEFAULT_REPLY_TEXT }, finish_reason: 'stop', logprobs: null }]);
    expect(res.usage).toEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(CLAUDE_ID);
    expect(res.id).toMatch(/^chatcmpl-fake-request-\d+$/);
    expect(Math.abs(res.created - Date.now() / 1000)).toBeLessThan(5);

    const sent = bedrock.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(`${CLAUDE_PATH}/converse`);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 50, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    });
    // The fake recomputed the signature; here, what it covered.
    expect(sent.auth).toBe('sigv4');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['x-amz-security-token']).toBe(TEST_CREDENTIALS.sessionToken);
    expect(sent.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/\\d{8}/${TEST_REGION}/bedrock/aws4_request, ` +
          'SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$',
      ),
    );
  });

  it('sends max_completion_tokens as maxTokens and a single stop string as a list', async () => {
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 77, stop: 'STOP' });
    expect(bedrock.requests.at(-1)!.body.inferenceConfig).toEqual({ maxTokens: 77, stopSequences: ['STOP'] });
  });

  it('joins several system messages (and developer ones) into the system prompt', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Rule one.' }] },
        { role: 'developer', content: 'Rule two.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    const body = bedrock.requests.at(-1)!.body;
    expect(body.system).toEqual([{ text: 'Rule one.' }, { text: 'Rule two.' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'Hi' }] }]);
    expect(body).not.toHaveProperty('inferenceConfig');
  });

  it('sends text and a data-URL image as Converse content blocks', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: PNG_DATA_URL, detail: 'low' } },
            { type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG_BYTES.toString('base64')}` } },
          ],
        },
      ],
    });
    expect(bedrock.requests.at(-1)!.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { text: 'What is in this picture?' },
          { image: { format: 'png', source: { bytes: PNG_BYTES.toString('base64') } } },
          { image: { format: 'jpeg', source: { bytes: PNG_BYTES.toString('base64') } } },
        ],
      },
    ]);
  });

  it('refuses an http image URL with a 400 that says why, without calling Bedrock', async () => {
    const before = bedrock.requests.length;
    const err = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.message).toContain('Bedrock does not fetch images from URLs; send the image inline as a base64 data: URL');
    expect(e.param).toBe('messages[0].content[0].image_url');
    expect(bedrock.requests.length).toBe(before);
  });

  it('turns tool calls into tool_calls, and sends the tool round trip back as toolUse / toolResult', async () => {
    bedrock.handler = () =>
      converseAnswer(
        [
          { text: 'Checking both.' },
          { toolUse: { toolUseId: 'tooluse_paris', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tooluse_rome', name: 'get_weather', input: { city: 'Rome', unit: 'c' } } },
        ],
        'tool_use',
      );
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const first = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }], tools, tool_choice: 'required' });
    expect(bedrock.requests.at(-1)!.body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Weather for a city',
            inputSchema: { json: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } },
          },
        },
      ],
      toolChoice: { any: {} },
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Checking both.');
    expect(choice.message.tool_calls).toEqual([
      { id: 'tooluse_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'tooluse_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome","unit":"c"}' } },
    ]);

    bedrock.handler = undefined;
    await client.chat.completions.create({
      model: 'claude',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: choice.message.content, tool_calls: choice.message.tool_calls },
        { role: 'tool', tool_call_id: 'tooluse_paris', content: '18 C, sunny' },
        { role: 'tool', tool_call_id: 'tooluse_rome', content: [{ type: 'text', text: '24 C, clear' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
    });
    expect(bedrock.requests.at(-1)!.body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Checking both.' },
          { toolUse: { toolUseId: 'tooluse_paris', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tooluse_rome', name: 'get_weather', input: { city: 'Rome', unit: 'c' } } },
        ],
      },
      {
        // Parallel results and the next question share one user turn: Converse wants turns to alternate.
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_paris', content: [{ text: '18 C, sunny' }] } },
          { toolResult: { toolUseId: 'tooluse_rome', content: [{ text: '24 C, clear' }] } },
          { text: 'Which is warmer?' },
        ],
      },
    ]);
    expect(bedrock.requests.at(-1)!.body.toolConfig.toolChoice).toBeUndefined();
  });

  it('answers a tool-only turn with content null', async () => {
    bedrock.handler = () => converseAnswer([{ toolUse: { toolUseId: 't1', name: 'now', input: {} } }], 'tool_use');
    const res = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'time?' }],
      tools: [{ type: 'function', function: { name: 'now' } }],
      tool_choice: { type: 'function', function: { name: 'now' } },
    });
    expect(res.choices[0]!.message).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'now', arguments: '{}' } }] });
    expect(bedrock.requests.at(-1)!.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'now', inputSchema: { json: { type: 'object', properties: {} } } } }],
      toolChoice: { tool: { name: 'now' } },
    });
  });

  it('maps tool_choice auto, and none by offering no tools', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'auto' });
    expect(bedrock.requests.at(-1)!.body.toolConfig.toolChoice).toEqual({ auto: {} });
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' });
    expect(bedrock.requests.at(-1)!.body).not.toHaveProperty('toolConfig');
  });

  it('maps every stop reason to its finish_reason', async () => {
    const cases: [string, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_calls'],
      ['content_filtered', 'content_filter'],
      ['guardrail_intervened', 'content_filter'],
    ];
    for (const [stopReason, expected] of cases) {
      bedrock.handler = () => converseAnswer([{ text: 'x' }], stopReason);
      const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] });
      expect(res.choices[0]!.finish_reason, stopReason).toBe(expected);
    }
  });

  it('reports prompt-cache reads and writes as LiteLLM does', async () => {
    bedrock.handler = () => converseAnswer([{ text: 'cached' }], 'end_turn', { inputTokens: 11, outputTokens: 5, totalTokens: 136, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 });
    const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] });
    expect(res.usage).toEqual({
      prompt_tokens: 131,
      completion_tokens: 5,
      total_tokens: 136,
      prompt_tokens_details: { cached_tokens: 100 },
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 100,
    });
  });

  it('sends cache_control marks as cache points', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long rules.', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'Hi' },
      ] as never,
    });
    expect(bedrock.requests.at(-1)!.body.system).toEqual([{ text: 'Long rules.' }, { cachePoint: { type: 'default' } }]);
  });

  it('maps response_format json_schema to outputConfig and refuses json_object (unless drop_params)', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'reply', description: 'The reply', schema, strict: true } },
    });
    expect(bedrock.requests.at(-1)!.body.outputConfig).toEqual({
      textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'reply', description: 'The reply' } } },
    });

    const before = bedrock.requests.length;
    const err = (await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err.status).toBe(400);
    expect(err.param).toBe('response_format');
    expect(bedrock.requests.length).toBe(before);

    await client.chat.completions.create({ model: 'claude-drop-params', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(bedrock.requests.at(-1)!.body).not.toHaveProperty('outputConfig');
  });

  it('refuses parameters Converse has no equivalent for, and drops them with drop_params', async () => {
    const err = (await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], n: 2 }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.BadRequestError
    >;
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Bedrock: n=2 has no equivalent in the Converse API (set litellm_params.drop_params: true to drop it)',
      type: 'invalid_request_error',
      param: 'n',
      code: '400',
    });
    // Defaults are not "set": clients that always send them still work.
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], n: 1, presence_penalty: 0, frequency_penalty: 0 });
    const res = await client.chat.completions.create({ model: 'claude-drop-params', messages: [{ role: 'user', content: 'x' }], n: 2, seed: 7 });
    expect(res.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    expect(bedrock.requests.at(-1)!.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'x' }] }] });
  });

  it('authenticates with a Bedrock API key as a bearer token instead of signing', async () => {
    const res = await client.chat.completions.create({ model: 'claude-api-key', messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    const sent = bedrock.requests.at(-1)!;
    expect(sent.auth).toBe('bearer');
    expect(sent.headers.authorization).toBe(`Bearer ${TEST_BEARER_TOKEN}`);
    expect(sent.headers['x-amz-date']).toBeUndefined();
  });

  it('calls an inference profile ARN, URL-encoded, signed for the region the ARN names', async () => {
    const res = await client.chat.completions.create({ model: 'claude-profile', messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe(`/model/${encodeURIComponent(PROFILE_ARN)}/converse`);
    expect(sent.modelId).toBe(PROFILE_ARN);
    expect(sent.headers.authorization).toContain(`/${TEST_REGION}/bedrock/aws4_request`);
  });
});
