/** Embeddings through InvokeModel (Titan and Cohere), in OpenAI's list format, floats and base64. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';
import { startBedrockGateway } from './support/bedrock-gateway.js';
import { fakeVector, startFakeBedrock, type FakeBedrock } from './support/fake-bedrock.js';

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

describe('embeddings through InvokeModel', () => {
  it('Titan v2: one signed call per input, floats in input order, token counts summed', async () => {
    const before = bedrock.requests.length;
    const res = await client.embeddings.create({ model: 'titan-v2', input: ['hello', 'hi there'], encoding_format: 'float' });
    expect(res).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: fakeVector('hello') },
        { object: 'embedding', index: 1, embedding: fakeVector('hi there') },
      ],
      model: 'amazon.titan-embed-text-v2:0',
      usage: { prompt_tokens: 13, total_tokens: 13 },
    });
    const calls = bedrock.requests.slice(before);
    expect(calls.map((c) => c.path)).toEqual(['/model/amazon.titan-embed-text-v2%3A0/invoke', '/model/amazon.titan-embed-text-v2%3A0/invoke']);
    expect(calls.map((c) => c.body).sort((a, b) => String(a.inputText).localeCompare(String(b.inputText)))).toEqual([{ inputText: 'hello' }, { inputText: 'hi there' }]);
    expect(calls.every((c) => c.auth === 'sigv4' && c.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('answers base64 (float32, little-endian) when asked; the openai SDK asks by default and decodes it', async () => {
    const res = await client.embeddings.create({ model: 'titan-v2', input: 'hello' });
    expect(res.data[0]!.embedding).toEqual(fakeVector('hello'));

    const raw = await fetch(`${sluice.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'titan-v2', input: 'hello', encoding_format: 'base64' }),
    });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    const expected = Buffer.alloc(16);
    fakeVector('hello').forEach((v, i) => expected.writeFloatLE(v, i * 4));
    expect(body.data[0]!.embedding).toBe(expected.toString('base64'));
  });

  it('Titan v2 takes dimensions; v1 refuses them with a 400', async () => {
    await client.embeddings.create({ model: 'titan-v2', input: 'hello', dimensions: 256, encoding_format: 'float' });
    expect(bedrock.requests.at(-1)!.body).toEqual({ inputText: 'hello', dimensions: 256 });
    const err = (await client.embeddings.create({ model: 'titan-v1', input: 'hello', dimensions: 256 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'dimensions' });
  });

  it('Cohere: one call for the batch, input_type search_document, tokens from the response header', async () => {
    const before = bedrock.requests.length;
    const res = await client.embeddings.create({ model: 'cohere-v3', input: ['a', 'bb'], encoding_format: 'float' });
    expect(res.data.map((d) => d.embedding)).toEqual([fakeVector('a'), fakeVector('bb')]);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(res.model).toBe('cohere.embed-english-v3');
    expect(bedrock.requests.length).toBe(before + 1);
    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe('/model/cohere.embed-english-v3/invoke');
    expect(sent.body).toEqual({ texts: ['a', 'bb'], input_type: 'search_document' });
  });

  it('refuses token-array input with a 400', async () => {
    const err = (await client.embeddings.create({ model: 'titan-v2', input: [[1, 2, 3]] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ message: 'Bedrock: input[0] must be a string (token arrays are not supported by Bedrock)', param: 'input' });
  });

  it('maps an InvokeModel error like a chat error', async () => {
    bedrock.handler = () => ({ status: 429, json: { message: 'Rate exceeded' }, headers: { 'x-amzn-ErrorType': 'ThrottlingException', 'retry-after': '3' } });
    try {
      const err = (await client.embeddings.create({ model: 'titan-v2', input: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(429);
      expect(err.headers?.get('retry-after')).toBe('3');
    } finally {
      bedrock.handler = undefined;
    }
  });
});
