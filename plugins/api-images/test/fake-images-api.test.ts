/** The fake images API speaks OpenAI's wire format: proven with the official `openai` SDK pointed straight at it. */
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { startFakeImagesApi, type FakeImagesApi } from './fake-images-api.js';
import { pngSize, solidPng } from './png.js';

let fake: FakeImagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('fake OpenAI images API', () => {
  it('answers the SDK: generate (url and b64_json), edit with image[] and mask, variation, moderations', async () => {
    fake = await startFakeImagesApi('sk-direct');
    const openai = new OpenAI({ apiKey: 'sk-direct', baseURL: fake.url, maxRetries: 0 });

    const urls = await openai.images.generate({ model: 'dall-e-3', prompt: 'an otter', n: 2 });
    expect(urls.data?.map((d) => d.url)).toEqual(['https://images.example/generations/0.png', 'https://images.example/generations/1.png']);
    const b64 = await openai.images.generate({ model: 'dall-e-2', prompt: 'an otter', response_format: 'b64_json' });
    expect(pngSize(Buffer.from(b64.data![0]!.b64_json!, 'base64'))).toEqual({ width: 2, height: 2 });

    const png = solidPng(4);
    const edit = await openai.images.edit({
      model: 'gpt-image-1',
      prompt: 'add a hat',
      image: [await toFile(png, 'a.png', { type: 'image/png' }), await toFile(png, 'b.png', { type: 'image/png' })],
      mask: await toFile(png, 'mask.png', { type: 'image/png' }),
    });
    expect(edit.usage?.output_tokens).toBe(4160);
    const seen = fake.calls.at(-1)!;
    expect(seen.path).toBe('/v1/images/edits');
    expect(seen.files.map((f) => [f.field, f.filename, f.contentType])).toEqual([
      ['image[]', 'a.png', 'image/png'],
      ['image[]', 'b.png', 'image/png'],
      ['mask', 'mask.png', 'image/png'],
    ]);
    expect(seen.files[0]!.bytes.equals(png)).toBe(true);
    expect(seen.fields).toMatchObject({ model: 'gpt-image-1', prompt: 'add a hat' });

    const variation = await openai.images.createVariation({ model: 'dall-e-2', image: await toFile(png, 'v.png', { type: 'image/png' }) });
    expect(variation.data).toHaveLength(1);
    expect(fake.calls.at(-1)!.files.map((f) => f.field)).toEqual(['image']);

    const moderation = await openai.moderations.create({ input: ['I will kill it', 'hello'] });
    expect(moderation.results.map((r) => r.flagged)).toEqual([true, false]);
    expect(fake.calls.at(-1)!.fields).toEqual({ input: ['I will kill it', 'hello'] });
  });

  it('refuses a wrong key as OpenAI does', async () => {
    fake = await startFakeImagesApi('sk-direct');
    const openai = new OpenAI({ apiKey: 'sk-wrong', baseURL: fake.url, maxRetries: 0 });
    await expect(openai.images.generate({ model: 'dall-e-3', prompt: 'x' })).rejects.toMatchObject({ status: 401 });
  });
});
