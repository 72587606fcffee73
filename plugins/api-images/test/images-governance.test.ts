/**
 * Image and moderation calls are governed like chat calls: guardrails see the prompt (hide_secrets
 * redacts it before the upstream does), key model access and budgets refuse before any upstream
 * call, and a failed call leaves one failure row.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toFile } from 'openai';
import { client, generateKey, spendRows, startImagesGateway, type ImagesSetup } from './support.js';
import { solidPng } from './png.js';

let setup: ImagesSetup;
beforeAll(async () => {
  setup = await startImagesGateway({}, { litellm_settings: { callbacks: ['hide_secrets'] } } as never);
});
afterAll(async () => {
  await setup?.close();
});
beforeEach(() => {
  setup.fake.calls.length = 0;
});

describe('images governance', () => {
  it('hide_secrets redacts the generation and edit prompts before the upstream sees them', async () => {
    const openai = client(setup.gw, await generateKey(setup.gw));
    await openai.images.generate({ model: 'dall-e-3', prompt: 'a poster saying openai_api_key=sk-1234998222' });
    expect(setup.fake.calls[0]!.fields.prompt).toBe('a poster saying openai_api_key=[REDACTED]');
    await openai.images.edit({ model: 'dall-e-2', image: await toFile(solidPng(4), 'a.png', { type: 'image/png' }), prompt: 'write openai_api_key=sk-1234998222 on it' });
    expect(setup.fake.calls[1]!.fields.prompt).toBe('write openai_api_key=[REDACTED] on it');
    expect(JSON.stringify(setup.fake.calls)).not.toContain('sk-1234998222');
  });

  it('a key limited to other models is refused before any upstream call', async () => {
    const openai = client(setup.gw, await generateKey(setup.gw, { models: ['dall-e-2'] }));
    const err = await openai.images.generate({ model: 'dall-e-3', prompt: 'x' }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(401);
    expect((err as { type?: string }).type).toBe('key_model_access_denied');
    const moderation = await openai.moderations.create({ model: 'omni-moderation-latest', input: 'x' }).catch((e: unknown) => e);
    expect((moderation as { status?: number }).status).toBe(401);
    expect(setup.fake.calls).toHaveLength(0);
  });

  it('a key over its budget is refused once its image spend crossed it', async () => {
    const key = await generateKey(setup.gw, { max_budget: 0.01 });
    const openai = client(setup.gw, key);
    await openai.images.generate({ model: 'dall-e-3', prompt: 'x' }); // $0.04
    await spendRows(setup.gw, key);
    let err: unknown;
    for (let i = 0; i < 50 && !err; i++) {
      err = await openai.images.generate({ model: 'dall-e-3', prompt: 'x' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!err) await new Promise((r) => setTimeout(r, 100));
    }
    expect((err as { status?: number }).status).toBe(400);
    expect((err as { message?: string }).message).toMatch(/Budget has been exceeded!/);
  });

  it('an upstream failure is recorded once, as a failure row', async () => {
    const key = await generateKey(setup.gw);
    // The fake refuses an edit without an image, as OpenAI does (LiteLLM leaves that check to the provider).
    const form = new FormData();
    form.append('model', 'dall-e-2');
    form.append('prompt', 'x');
    const res = await fetch(`${setup.gw.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(400);
    const rows = await spendRows(setup.gw, key);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('failure');
    expect(rows[0]!.call_type).toBe('aimage_edit');
    expect(rows[0]!.spend).toBe(0);
  });
});
