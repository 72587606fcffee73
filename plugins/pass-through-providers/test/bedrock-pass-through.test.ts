/**
 * `/bedrock/*`: native Converse and ConverseStream calls with a virtual key, re-signed with the
 * deployment's AWS credentials (the fake verifies the SigV4 signature as AWS does), relayed as
 * they came, and charged to the key from Bedrock's own usage. The fake is first proven with the
 * official AWS SDK pointed straight at it; the SDK is then the client, pointed at Sluice.
 */
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { sdkHttp1Handler } from '../../../test/support/aws-sdk-http1-handler.js';
import { AWS_PARAMS, CLEAN_AWS_ENV } from '../../provider-bedrock/test/support/bedrock-gateway.js';
import { TEST_CREDENTIALS, TEST_REGION, startFakeBedrock, textStreamEvents, type FakeBedrock } from '../../provider-bedrock/test/support/fake-bedrock.js';
import { bearer, blockKey, eventually, gatewayWithKeys, generateKey, keySpend, firstSpendRow } from './support.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_PATH = `/bedrock/model/${encodeURIComponent(HAIKU)}`;
const CONVERSE_BODY = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }], inferenceConfig: { maxTokens: 20 } });
/** USD per token, so a call of 11 in and 5 out costs 0.011 + 0.010. */
const PRICES = { input_cost_per_token: 0.001, output_cost_per_token: 0.002 };
const CALL_COST = 11 * 0.001 + 5 * 0.002;

let bedrock: FakeBedrock;
let gw: TestGateway;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  gw = await gatewayWithKeys(
    {
      model_list: [
        { model_name: 'claude-bedrock', litellm_params: { model: `bedrock/${HAIKU}`, ...AWS_PARAMS, ...PRICES, api_base: bedrock.url, timeout: 5 } },
        { model_name: 'gpt-other', litellm_params: { model: 'fake/gpt-other' } },
      ],
    },
    CLEAN_AWS_ENV,
  );
});
afterAll(async () => {
  await gw?.close();
  await bedrock?.close();
});
beforeEach(() => {
  bedrock.handler = undefined;
  bedrock.requests.length = 0;
});

function awsClient(endpoint: string, onRequest?: (headers: Record<string, string>) => void, secretAccessKey = TEST_CREDENTIALS.secretAccessKey): BedrockRuntimeClient {
  const client = new BedrockRuntimeClient({
    region: TEST_REGION,
    endpoint,
    credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey, sessionToken: TEST_CREDENTIALS.sessionToken },
    requestHandler: sdkHttp1Handler,
    maxAttempts: 1,
  });
  if (onRequest) {
    client.middlewareStack.add(
      (next) => async (args) => {
        onRequest((args.request as { headers: Record<string, string> }).headers);
        return next(args);
      },
      { step: 'build', name: 'gatewayKey' },
    );
  }
  return client;
}

/** No header the fake received carries the caller's gateway key. */
function expectKeyNeverForwarded(key: string): void {
  for (const r of bedrock.requests) for (const v of Object.values(r.headers)) expect(String(v)).not.toContain(key);
}

describe('the fake Bedrock, as the AWS SDK judges it', () => {
  it('accepts the SDK’s signature, refuses a wrong secret, and answers Converse in a shape the SDK parses', async () => {
    const sdk = awsClient(bedrock.url);
    const out = await sdk.send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
    expect(out.usage).toEqual({ inputTokens: 11, outputTokens: 5, totalTokens: 16 });
    const wrong = awsClient(bedrock.url, undefined, 'not/the+right/secret0000000000000000000');
    const err = (await wrong.send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InvalidSignatureException');
    sdk.destroy();
    wrong.destroy();
  });
});

describe('/bedrock pass-through', () => {
  it('Converse: re-signed with the deployment’s credentials, answer relayed byte for byte, charged to the key from Bedrock’s usage', async () => {
    const answer = { output: { message: { role: 'assistant', content: [{ text: 'Native hello' }] } }, stopReason: 'end_turn', usage: { inputTokens: 11, outputTokens: 5, totalTokens: 16 }, metrics: { latencyMs: 7 } };
    bedrock.handler = () => ({ json: answer, headers: { 'x-amzn-bedrock-trace': 'kept' } });
    const key = await generateKey(gw, { key_alias: 'bedrock-native' });
    const res = await fetch(`${gw.url}${HAIKU_PATH}/converse`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: CONVERSE_BODY });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(JSON.stringify(answer));
    expect(res.headers.get('x-amzn-bedrock-trace')).toBe('kept');

    const seen = bedrock.requests.at(-1)!;
    expect(seen.auth).toBe('sigv4'); // the fake verified the signature against the deployment's secret
    expect(seen.path).toBe(`/model/${encodeURIComponent(HAIKU)}/converse`);
    expect(seen.rawBody.toString('utf8')).toBe(CONVERSE_BODY);
    expectKeyNeverForwarded(key);

    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(CALL_COST, 9));
    const row = await firstSpendRow(gw, key);
    expect(row).toMatchObject({ call_type: 'pass_through_endpoint', model: HAIKU, status: 'success', prompt_tokens: 11, completion_tokens: 5 });
    expect(row.spend).toBeCloseTo(CALL_COST, 9);
  });

  it('ConverseStream with the AWS SDK as the client (gateway key in x-litellm-api-key): events relayed, charged from the metadata event', async () => {
    bedrock.handler = () => ({ events: textStreamEvents(['Hel', 'lo'], 'end_turn', { inputTokens: 11, outputTokens: 5, totalTokens: 16 }), sliceBytes: 7 });
    const key = await generateKey(gw);
    const sdk = awsClient(`${gw.url}/bedrock`, (headers) => (headers['x-litellm-api-key'] = key), 'the client’s own AWS secret is not needed');
    const out = await sdk.send(new ConverseStreamCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
    const events: ConverseStreamOutput[] = [];
    for await (const e of out.stream!) events.push(e);
    sdk.destroy();
    expect(events).toEqual([
      { messageStart: { role: 'assistant' } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hel' } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'lo' } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: 'end_turn' } },
      { metadata: { usage: { inputTokens: 11, outputTokens: 5, totalTokens: 16 }, metrics: { latencyMs: 321 } } },
    ]);
    const seen = bedrock.requests.at(-1)!;
    expect(seen.auth).toBe('sigv4');
    expect(seen.operation).toBe('converse-stream');
    // The SDK's own signature (made with another secret) was dropped and replaced.
    expect(seen.headers.authorization).toContain(`Credential=${TEST_CREDENTIALS.accessKeyId}/`);
    expectKeyNeverForwarded(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(CALL_COST, 9));
  });

  it('a path naming the model group is routed to its deployment and sent with the deployment’s model id', async () => {
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}/bedrock/model/claude-bedrock/converse`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: CONVERSE_BODY });
    expect(res.status).toBe(200);
    expect(bedrock.requests.at(-1)!.modelId).toBe(HAIKU);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(CALL_COST, 9));
    expect((await firstSpendRow(gw, key)).model).toBe('claude-bedrock');
  });

  it('Bedrock’s own errors are relayed as they came and not charged', async () => {
    bedrock.handler = () => ({ status: 400, json: { message: 'Malformed input request' }, headers: { 'x-amzn-ErrorType': 'ValidationException' } });
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}${HAIKU_PATH}/converse`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'Malformed input request' });
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    await eventually(async () => expect((await firstSpendRow(gw, key))).toMatchObject({ status: 'failure', spend: 0 }));
  });
});

describe('/bedrock refusals: nothing reaches Bedrock', () => {
  const post = (key: string | undefined, path = `${HAIKU_PATH}/converse`) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...(key && bearer(key)), 'content-type': 'application/json' }, body: CONVERSE_BODY });

  it('no key: 401', async () => {
    expect((await post(undefined)).status).toBe(401);
    expect(bedrock.requests).toHaveLength(0);
  });

  it('a blocked key: 401', async () => {
    const key = await generateKey(gw);
    await blockKey(gw, key);
    expect((await post(key)).status).toBe(401);
    expect(bedrock.requests).toHaveLength(0);
  });

  it('a key at its rate limit: 429', async () => {
    const key = await generateKey(gw, { rpm_limit: 0 });
    const res = await post(key);
    expect(res.status).toBe(429);
    expect(bedrock.requests).toHaveLength(0);
  });

  it('a key over its budget: refused once its Bedrock usage spent it', async () => {
    const key = await generateKey(gw, { key_alias: 'bedrock-budget', max_budget: 0.02 });
    expect((await post(key)).status).toBe(200);
    let refused: Response | undefined;
    await eventually(async () => {
      refused = await post(key);
      expect(refused.status).toBe(400);
    });
    expect(((await refused!.json()) as { error: { type: string } }).error.type).toBe('budget_exceeded');
    expect(bedrock.requests).toHaveLength(1);
  });

  it('a key without access to the model: 401, by model id and by model group', async () => {
    const key = await generateKey(gw, { models: ['gpt-other'] });
    const byId = await post(key);
    expect(byId.status).toBe(401);
    expect(((await byId.json()) as { error: { message: string } }).error.message).toBe(
      `key not allowed to access model. This key can only access models=["gpt-other"]. Tried to access ${HAIKU}`,
    );
    expect((await post(key, '/bedrock/model/claude-bedrock/converse')).status).toBe(401);
    expect(bedrock.requests).toHaveLength(0);
  });
});
