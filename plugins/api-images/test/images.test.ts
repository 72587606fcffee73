/**
 * The images API through a real gateway, with the official `openai` SDK as the client, against the
 * fake OpenAI images API: what Sluice sends (JSON or multipart parts, the deployment's key), what
 * the client gets back, the spend row (priced from the cost map), and bad input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toFile } from 'openai';
import { MASTER_KEY } from '../../../test/support/gateway.js';
import { pngSize, solidPng } from './png.js';
import { client, generateKey, post, spendRows, startImagesGateway, UPSTREAM_KEY, type ImagesSetup } from './support.js';

let setup: ImagesSetup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

describe('POST /v1/images/generations', () => {
  it('relays url images, sends the deployment key upstream and records one priced spend row', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const res = await client(setup.gw, key).images.generate({ model: 'dall-e-3', prompt: 'A cute baby sea otter', n: 1, size: '1024x1024' });
    expect(res.data?.[0]?.url).toBe('https://images.example/generations/0.png');
    expect(res.data?.[0]?.revised_prompt).toBe('A cute baby sea otter');

    const seen = setup.fake.calls[0]!;
    expect(seen.path).toBe('/v1/images/generations');
    expect(seen.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen.fields).toEqual({ model: 'dall-e-3', prompt: 'A cute baby sea otter', n: 1, size: '1024x1024' });

    const [row] = await spendRows(setup.gw, key);
    expect(row!.call_type).toBe('aimage_generation');
    expect(row!.model).toBe('dall-e-3');
    expect(row!.status).toBe('success');
    // standard/1024-x-1024/dall-e-3: 3.81469e-08 $ per pixel × 1024 × 1024 ≈ $0.04.
    expect(row!.spend).toBeCloseTo(0.04, 4);
  });

  it('relays b64_json images and prices n images of a hd size', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const res = await client(setup.gw, key).images.generate({ model: 'dall-e-3', prompt: 'two otters', n: 2, response_format: 'b64_json', quality: 'hd', size: '1024x1792' });
    expect(res.data).toHaveLength(2);
    expect(pngSize(Buffer.from(res.data![1]!.b64_json!, 'base64'))).toEqual({ width: 2, height: 2 });
    const [row] = await spendRows(setup.gw, key);
    expect(row!.spend).toBeCloseTo(6.539e-8 * 1024 * 1792 * 2, 6);
  });

  it('prices gpt-image by the tokens its answer reports', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const res = await client(setup.gw, key).images.generate({ model: 'gpt-image-1', prompt: 'an otter' });
    expect(res.usage?.output_tokens).toBe(4160);
    const [row] = await spendRows(setup.gw, key);
    // 40 text tokens × $5e-6 + 10 image tokens × $1e-5 + 4160 output image tokens × $4e-5.
    expect(row!.spend).toBeCloseTo(40 * 5e-6 + 10 * 1e-5 + 4160 * 4e-5, 8);
  });

  it("serves /images/generations and Azure's /openai/deployments/{model}/images/generations", async () => {
    setup = await startImagesGateway();
    const plain = await post(setup.gw, '/images/generations', MASTER_KEY, JSON.stringify({ model: 'dall-e-2', prompt: 'x' }), 'application/json');
    expect(plain.status).toBe(200);
    const azure = await post(setup.gw, '/openai/deployments/dall-e-2/images/generations?api-version=2024-02-01', MASTER_KEY, JSON.stringify({ prompt: 'y' }), 'application/json');
    expect(azure.status).toBe(200);
    expect(setup.fake.calls.map((c) => c.fields.model)).toEqual(['dall-e-2', 'dall-e-2']);
  });

  it('sends every generation to general_settings.image_generation_model when it is set', async () => {
    setup = await startImagesGateway({}, { general_settings: { image_generation_model: 'dall-e-2' } } as never);
    const res = await client(setup.gw, MASTER_KEY).images.generate({ model: 'dall-e-3', prompt: 'x' });
    expect(res.data).toHaveLength(1);
    expect(setup.fake.calls[0]!.fields.model).toBe('dall-e-2');
  });

  it('refuses bad input with OpenAI-format 400s, before any upstream call', async () => {
    setup = await startImagesGateway();
    const gw = setup.gw;
    const noPrompt = await post(gw, '/v1/images/generations', MASTER_KEY, JSON.stringify({ model: 'dall-e-3' }), 'application/json');
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.json.error).toEqual({ message: "/image/generations: Missing required parameter: 'prompt'.", type: 'invalid_request_error', param: 'prompt', code: '400' });

    const noModel = await post(gw, '/v1/images/generations', MASTER_KEY, JSON.stringify({ prompt: 'x' }), 'application/json');
    expect(noModel.status).toBe(400);
    expect(noModel.json.error?.message).toBe('/image/generations: Invalid model name passed in model=None. Call `/v1/models` to view available models for your key.');

    const badN = await post(gw, '/v1/images/generations', MASTER_KEY, JSON.stringify({ model: 'dall-e-3', prompt: 'x', n: 'two' }), 'application/json');
    expect([badN.status, badN.json.error?.param]).toEqual([400, 'n']);
    const badPrompt = await post(gw, '/v1/images/generations', MASTER_KEY, JSON.stringify({ model: 'dall-e-3', prompt: ['x'] }), 'application/json');
    expect([badPrompt.status, badPrompt.json.error?.param]).toEqual([400, 'prompt']);
    const unknown = await post(gw, '/v1/images/generations', MASTER_KEY, JSON.stringify({ model: 'nope', prompt: 'x' }), 'application/json');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.message).toContain('Invalid model name passed in model=nope');
    expect(setup.fake.calls).toHaveLength(0);
  });

  it('relays an upstream refusal with its status and message', async () => {
    setup = await startImagesGateway();
    // The fake refuses an edit without an image, as OpenAI does; LiteLLM leaves that check to the provider.
    const form = new FormData();
    form.append('model', 'dall-e-2');
    form.append('prompt', 'x');
    const res = await post(setup.gw, '/v1/images/edits', MASTER_KEY, form);
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toBe("Missing required parameter: 'image'.");
  });
});

describe('POST /v1/images/edits and /v1/images/variations', () => {
  it('sends the uploaded PNG, mask and fields upstream as multipart parts and records the edit', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const png = solidPng(8);
    const mask = solidPng(8, [0, 0, 0, 0]);
    const res = await client(setup.gw, key).images.edit({
      model: 'dall-e-2',
      image: await toFile(png, 'otter.png', { type: 'image/png' }),
      mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
      prompt: 'add a tiny hat',
      n: 2,
      size: '256x256',
    });
    expect(res.data?.map((d) => d.url)).toEqual(['https://images.example/edits/0.png', 'https://images.example/edits/1.png']);

    const seen = setup.fake.calls[0]!;
    expect(seen.path).toBe('/v1/images/edits');
    expect(seen.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.fields).toEqual({ model: 'dall-e-2', prompt: 'add a tiny hat', n: '2', size: '256x256' });
    expect(seen.files.map((f) => [f.field, f.filename, f.contentType])).toEqual([
      ['image', 'otter.png', 'image/png'],
      ['mask', 'mask.png', 'image/png'],
    ]);
    expect(seen.files[0]!.bytes.equals(png)).toBe(true);
    expect(seen.files[1]!.bytes.equals(mask)).toBe(true);

    const [row] = await spendRows(setup.gw, key);
    expect(row!.call_type).toBe('aimage_edit');
    // 256-x-256/dall-e-2: 2.4414e-07 $ per pixel × 256 × 256 × 2 images.
    expect(row!.spend).toBeCloseTo(2.4414e-7 * 256 * 256 * 2, 8);
  });

  it('sends several images as image[] parts (gpt-image edits)', async () => {
    setup = await startImagesGateway();
    const png = solidPng(4);
    const res = await client(setup.gw, MASTER_KEY).images.edit({
      model: 'gpt-image-1',
      prompt: 'a gift basket',
      image: [await toFile(png, 'soap.png', { type: 'image/png' }), await toFile(solidPng(5), 'lotion.png', { type: 'image/png' })],
    });
    expect(res.data?.[0]?.b64_json).toBeDefined();
    expect(setup.fake.calls[0]!.files.map((f) => [f.field, f.filename])).toEqual([
      ['image[]', 'soap.png'],
      ['image[]', 'lotion.png'],
    ]);
  });

  it('creates variations from one uploaded PNG', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const png = solidPng(16);
    const res = await client(setup.gw, key).images.createVariation({ model: 'dall-e-2', image: await toFile(png, 'v.png', { type: 'image/png' }), n: 1, size: '512x512' });
    expect(res.data?.[0]?.url).toBe('https://images.example/variations/0.png');
    const seen = setup.fake.calls[0]!;
    expect(seen.path).toBe('/v1/images/variations');
    expect(seen.fields).toEqual({ model: 'dall-e-2', n: '1', size: '512x512' });
    expect(seen.files.map((f) => f.field)).toEqual(['image']);
    expect(seen.files[0]!.bytes.equals(png)).toBe(true);
    const [row] = await spendRows(setup.gw, key);
    expect(row!.call_type).toBe('aimage_variation');
    expect(row!.spend).toBeCloseTo(6.86e-8 * 512 * 512, 8);
  });

  it('refuses a file that is not an image, both image and image[], wrong content types, too many parts and oversized uploads', async () => {
    setup = await startImagesGateway({ images: { max_upload_bytes: 64 * 1024, max_file_bytes: 32 * 1024, max_images: 2 } });
    const gw = setup.gw;
    const form = (parts: [string, string | Blob, string?][]) => {
      const f = new FormData();
      for (const [name, value, filename] of parts) (typeof value === 'string' ? f.append(name, value) : f.append(name, value, filename));
      return f;
    };
    const png = () => new Blob([solidPng(4)], { type: 'image/png' });

    const text = await post(gw, '/v1/images/edits', MASTER_KEY, form([['model', 'dall-e-2'], ['prompt', 'x'], ['image', new Blob(['hello, not a picture'], { type: 'image/png' }), 'fake.png']]));
    expect(text.status).toBe(400);
    expect(text.json.error).toMatchObject({ param: 'image', type: 'invalid_request_error', message: "Invalid file 'image': unsupported image format. Supported formats are PNG, JPEG and WEBP." });

    const both = await post(gw, '/v1/images/edits', MASTER_KEY, form([['model', 'dall-e-2'], ['prompt', 'x'], ['image', png(), 'a.png'], ['image[]', png(), 'b.png']]));
    expect(both.status).toBe(422);
    expect(both.json.error?.message).toBe("Cannot specify both 'image' and 'image[]'");

    const json = await post(gw, '/v1/images/edits', MASTER_KEY, JSON.stringify({ model: 'dall-e-2', prompt: 'x' }), 'application/json');
    expect(json.status).toBe(415);
    expect(json.json.error?.message).toBe('Invalid Content-Type header (application/json), expected multipart/form-data.');

    const noBoundary = await post(gw, '/v1/images/edits', MASTER_KEY, 'x', 'multipart/form-data');
    expect(noBoundary.status).toBe(400);

    const many = await post(gw, '/v1/images/edits', MASTER_KEY, form([['model', 'gpt-image-1'], ['prompt', 'x'], ...Array.from({ length: 5 }, (_, i): [string, Blob, string] => ['image[]', png(), `${i}.png`])]));
    expect(many.status).toBe(413);
    expect(many.json.error?.message).toMatch(/^Too many (files|form parts)/);

    const bigFile = await post(gw, '/v1/images/edits', MASTER_KEY, form([['model', 'dall-e-2'], ['prompt', 'x'], ['image', new Blob([solidPng(4), new Uint8Array(40 * 1024)], { type: 'image/png' }), 'big.png']]));
    expect(bigFile.status).toBe(413);
    expect(bigFile.json.error?.message).toBe("File 'image' is larger than the limit of 32768 bytes.");

    const bigBody = await post(gw, '/v1/images/edits', MASTER_KEY, form([['model', 'dall-e-2'], ['prompt', 'x'], ['image[]', new Blob([solidPng(4), new Uint8Array(30 * 1024)]), 'a.png'], ['image[]', new Blob([solidPng(4), new Uint8Array(30 * 1024)]), 'b.png'], ['mask', new Blob([solidPng(4), new Uint8Array(30 * 1024)]), 'm.png']]));
    expect(bigBody.status).toBe(413);

    const noImage = await post(gw, '/v1/images/variations', MASTER_KEY, form([['model', 'dall-e-2']]));
    expect(noImage.status).toBe(400);
    expect(noImage.json.error?.message).toBe("/images/variations: Missing required parameter: 'image'.");

    const stray = await post(gw, '/v1/images/variations', MASTER_KEY, form([['model', 'dall-e-2'], ['image', png(), 'a.png'], ['mask', png(), 'm.png']]));
    expect(stray.status).toBe(400);

    expect(setup.fake.calls).toHaveLength(0);
    // The gateway still serves after every refusal.
    const ok = await client(gw, MASTER_KEY).images.createVariation({ model: 'dall-e-2', image: await toFile(solidPng(4), 'v.png', { type: 'image/png' }) });
    expect(ok.data).toHaveLength(1);
  });
});
