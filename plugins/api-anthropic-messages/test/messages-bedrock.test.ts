/**
 * `/v1/messages` to Claude on Bedrock, natively: InvokeModel for a message,
 * InvokeModelWithResponseStream for a stream, SigV4-signed (the fake verifies every signature).
 * The fake's stream is proven first with the AWS SDK, which must decode its `chunk` frames; then
 * `@anthropic-ai/sdk` drives Sluice, whose stream must carry the Anthropic events the frames held.
 */
import { BedrockRuntimeClient, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sdkHttp1Handler } from '../../../test/support/aws-sdk-http1-handler.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { AWS_PARAMS, CLAUDE_ID, CLEAN_AWS_ENV } from '../../provider-bedrock/test/support/bedrock-gateway.js';
import { startFakeBedrock, TEST_CREDENTIALS, TEST_REGION, type FakeBedrock, type Reply } from '../../provider-bedrock/test/support/fake-bedrock.js';
import { eventsOf, messageOf } from '../../provider-anthropic/test/fake-anthropic.js';
import { newKey, OTHER_API_PLUGINS_OFF, spendRows } from './support.js';

let bedrock: FakeBedrock;
let gw: TestGateway;
let client: Anthropic;

/** InvokeModelWithResponseStream's frames: each Anthropic event, base64 in a `chunk` event's `bytes`. */
function chunkFrames(message: ReturnType<typeof messageOf>): Reply {
  return { events: eventsOf(message).map((e) => ({ event: 'chunk', payload: { bytes: Buffer.from(JSON.stringify(e.data)).toString('base64') } })), sliceBytes: 37 };
}

const claudeMessage = (id: string) =>
  messageOf({ id, model: CLAUDE_ID, content: [{ type: 'text', text: 'Hello from Claude on Bedrock.' }], usage: { input_tokens: 12, output_tokens: 7 } });

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'claude-bedrock', litellm_params: { model: `bedrock/${CLAUDE_ID}`, ...AWS_PARAMS, api_base: bedrock.url, input_cost_per_token: 0.000003, output_cost_per_token: 0.000015 } },
        { model_name: 'llama-bedrock', litellm_params: { model: 'bedrock/meta.llama3-70b-instruct-v1:0', ...AWS_PARAMS, api_base: bedrock.url } },
      ],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, ...OTHER_API_PLUGINS_OFF],
    } as SluiceConfig,
    { env: CLEAN_AWS_ENV },
  );
  client = new Anthropic({ baseURL: gw.url, apiKey: await newKey(gw), maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await bedrock?.close();
});
beforeEach(() => {
  bedrock.requests.length = 0;
  bedrock.handler = undefined;
});

describe('the fake Bedrock stream, driven by the AWS SDK', () => {
  it('InvokeModelWithResponseStream chunks decode to the Anthropic events', async () => {
    const message = claudeMessage('msg_bedrock_proof');
    bedrock.handler = () => chunkFrames(message);
    const sdk = new BedrockRuntimeClient({ region: TEST_REGION, endpoint: bedrock.url, credentials: TEST_CREDENTIALS, requestHandler: sdkHttp1Handler, maxAttempts: 1 });
    try {
      const out = await sdk.send(new InvokeModelWithResponseStreamCommand({ modelId: CLAUDE_ID, contentType: 'application/json', body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 5, messages: [] }) }));
      const events: unknown[] = [];
      for await (const part of out.body!) if (part.chunk?.bytes) events.push(JSON.parse(new TextDecoder().decode(part.chunk.bytes)));
      expect(events).toEqual(eventsOf(message).map((e) => e.data));
    } finally {
      sdk.destroy();
    }
  });
});

describe('Claude on Bedrock, natively', () => {
  it('InvokeModel: the Anthropic body with bedrock-2023-05-31, no model or stream, anthropic-beta in the body; the message relayed and priced', async () => {
    const message = claudeMessage('msg_bedrock_plain');
    bedrock.handler = () => ({ json: message });
    const got = await client.messages.create(
      { model: 'claude-bedrock', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }], metadata: { user_id: 'u-1' } },
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } },
    );
    expect(got).toEqual(message);
    const [request] = bedrock.requests;
    expect(request!.operation).toBe('invoke');
    expect(request!.auth).toBe('sigv4');
    expect(request!.body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['interleaved-thinking-2025-05-14'],
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
      metadata: { user_id: 'u-1' },
    });
    const [row] = await spendRows(gw, message.id);
    expect(row.call_type).toBe('anthropic_messages');
    expect(row.spend).toBeCloseTo(12 * 0.000003 + 7 * 0.000015, 9);
  });

  it('InvokeModelWithResponseStream: the frames come out as Anthropic SSE, which the SDK accumulates', async () => {
    const message = claudeMessage('msg_bedrock_stream');
    bedrock.handler = () => chunkFrames(message);
    const final = await client.messages.stream({ model: 'claude-bedrock', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage();
    expect(bedrock.requests[0]!.operation).toBe('invoke-with-response-stream');
    expect(bedrock.requests[0]!.body.stream).toBeUndefined();
    expect(final.id).toBe('msg_bedrock_stream');
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from Claude on Bedrock.' })]);
    const [row] = await spendRows(gw, final.id);
    expect(row.prompt_tokens).toBe(12);
    expect(row.completion_tokens).toBe(7);
  });

  it('an exception frame mid-stream ends the stream with an Anthropic error event', async () => {
    const frames = chunkFrames(claudeMessage('msg_bedrock_broken')) as Extract<Reply, { events: unknown }>;
    bedrock.handler = () => ({ events: [...frames.events.slice(0, 3), { exception: 'throttlingException', message: 'Too many requests, please wait before trying again.' }] });
    const err = await client.messages.stream({ model: 'claude-bedrock', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('Too many requests');
  });

  it('a Bedrock model without a Messages API is translated to chat (Converse), not sent natively', async () => {
    const before = bedrock.requests.length;
    const msg = await client.messages.create({ model: 'llama-bedrock', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    const sent = bedrock.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toMatch(/\/converse$/);
    expect(sent[0]!.path).not.toMatch(/\/invoke/);
  });
});
