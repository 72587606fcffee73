/**
 * Image generation through InvokeModel (Titan Image Generator, Stability SDXL and SD3), driven
 * with the `openai` SDK through Sluice's /v1/images/generations; the AWS SDK sends the same
 * request to the same fake first, so the path, signature and body Sluice sends are the SDK's.
 */
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { sdkHttp1Handler } from '../../../test/support/aws-sdk-http1-handler.js';
import { AWS_PARAMS, CLEAN_AWS_ENV } from './support/bedrock-gateway.js';
import { TEST_CREDENTIALS, TEST_REGION, startFakeBedrock, type FakeBedrock, type ReceivedRequest, type Reply } from './support/fake-bedrock.js';

const TITAN = 'amazon.titan-image-generator-v2:0';
const SDXL = 'stability.stable-diffusion-xl-v1';
const SD3 = 'stability.sd3-large-v1:0';
const IMAGE_B64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

let bedrock: FakeBedrock;
let sluice: TestGateway;
let client: OpenAI;
let sdk: BedrockRuntimeClient;

/** Bedrock's image answers, in each family's documented shape. */
function imageReply(req: ReceivedRequest): Reply | undefined {
  if (req.modelId === TITAN) return { json: { images: Array.from({ length: Number(req.body.imageGenerationConfig?.numberOfImages ?? 1) }, () => IMAGE_B64), error: null } };
  if (req.modelId === SDXL) return { json: { result: 'success', artifacts: Array.from({ length: Number(req.body.samples ?? 1) }, (_, i) => ({ seed: i, base64: IMAGE_B64, finishReason: 'SUCCESS' })) } };
  if (req.modelId === SD3) return { json: { seeds: [42], finish_reasons: [null], images: [IMAGE_B64] } };
  return undefined;
}

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  const at = { api_base: bedrock.url, timeout: 5 };
  sluice = await startGateway(
    {
      model_list: [
        { model_name: 'titan-image', litellm_params: { model: `bedrock/${TITAN}`, ...AWS_PARAMS, ...at } },
        { model_name: 'sdxl', litellm_params: { model: `bedrock/${SDXL}`, ...AWS_PARAMS, ...at } },
        { model_name: 'sd3', litellm_params: { model: `bedrock/${SD3}`, ...AWS_PARAMS, ...at } },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: CLEAN_AWS_ENV },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  sdk = new BedrockRuntimeClient({ region: TEST_REGION, endpoint: bedrock.url, credentials: TEST_CREDENTIALS, requestHandler: sdkHttp1Handler, maxAttempts: 1 });
});

afterAll(async () => {
  sdk?.destroy();
  await sluice?.close();
  await bedrock?.close();
});

beforeEach(() => {
  bedrock.handler = imageReply;
});

/** What the AWS SDK sends and reads for `body` on `modelId`: the reference for Sluice's request. */
async function viaSdk(modelId: string, body: Record<string, unknown>): Promise<{ sent: ReceivedRequest; answer: Record<string, unknown> }> {
  const out = await sdk.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
  return { sent: bedrock.requests.at(-1)!, answer: JSON.parse(new TextDecoder().decode(out.body)) as Record<string, unknown> };
}

describe('image generation through InvokeModel', () => {
  it('Titan: TEXT_IMAGE with numberOfImages, size and premium quality, as the SDK sends it; priced per image', async () => {
    const expected = { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a lighthouse' }, imageGenerationConfig: { numberOfImages: 2, width: 1024, height: 1024, quality: 'premium' } };
    const reference = await viaSdk(TITAN, expected);
    expect(reference.answer.images).toHaveLength(2);

    const res = await client.images.generate({ model: 'titan-image', prompt: 'a lighthouse', n: 2, size: '1024x1024', quality: 'hd' });
    expect(res.data).toEqual([{ b64_json: IMAGE_B64 }, { b64_json: IMAGE_B64 }]);
    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe(reference.sent.path);
    expect(sent.auth).toBe('sigv4');
    expect(sent.body).toEqual(reference.sent.body);

    const raw = await fetch(`${sluice.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'titan-image', prompt: 'x', n: 3 }),
    });
    expect(raw.status).toBe(200);
    // amazon.titan-image-generator-v2:0: $0.008 an image.
    expect(Number(raw.headers.get('x-litellm-response-cost'))).toBeCloseTo(0.024, 10);
  });

  it('Stability SDXL: text_prompts and samples; artifacts become b64_json images', async () => {
    const reference = await viaSdk(SDXL, { text_prompts: [{ text: 'a fox', weight: 1 }], samples: 1, width: 1024, height: 1024 });
    const res = await client.images.generate({ model: 'sdxl', prompt: 'a fox', size: '1024x1024' });
    expect(res.data).toEqual([{ b64_json: IMAGE_B64 }]);
    expect(bedrock.requests.at(-1)!.body).toEqual(reference.sent.body);
  });

  it('Stability SD3: prompt and the closest aspect ratio; one image a call', async () => {
    const reference = await viaSdk(SD3, { prompt: 'a city', aspect_ratio: '16:9' });
    const res = await client.images.generate({ model: 'sd3', prompt: 'a city', size: '1792x1024' });
    expect(res.data).toEqual([{ b64_json: IMAGE_B64 }]);
    expect(bedrock.requests.at(-1)!.body).toEqual(reference.sent.body);
    const before = bedrock.requests.length;
    await expect(client.images.generate({ model: 'sd3', prompt: 'a city', n: 2 })).rejects.toMatchObject({ status: 400 });
    expect(bedrock.requests.length).toBe(before);
  });
});
