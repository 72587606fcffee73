/**
 * Audio calls are governed like chat calls: guardrails see the text (hide_secrets redacts a
 * speech `input` and a transcription `prompt` before the upstream sees them), a key limited to
 * other models is refused before any upstream call, a key over its budget is refused, and the
 * configured whole-call timeout ends a transcription that takes too long.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { startFakeAudio, type FakeAudio } from './fake-openai-audio.js';
import { audioGateway, newKey, spendRows, UPSTREAM_KEY } from './support.js';
import { sineWav } from './wav-file.js';

let fake: FakeAudio;
let gw: TestGateway;
const wav = sineWav({ seconds: 1 });

beforeAll(async () => {
  fake = await startFakeAudio(UPSTREAM_KEY);
  gw = await audioGateway(fake.url, { timeout_s: 0.5 }, { litellm_settings: { callbacks: ['hide_secrets'] } });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.delayMs = 0;
});

const clientFor = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

describe('audio governance', () => {
  it('hide_secrets redacts the speech input and the transcription prompt before the upstream sees them', async () => {
    const client = clientFor(await newKey(gw));
    const res = await client.audio.speech.create({ model: 'tts', voice: 'alloy', input: 'read this: openai_api_key=sk-1234998222' });
    await res.arrayBuffer();
    expect(fake.requests[0]!.json!.input).toBe('read this: openai_api_key=[REDACTED]');
    await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper', prompt: 'context: openai_api_key=sk-1234998222' });
    expect(fake.requests[1]!.fields).toContainEqual(['prompt', 'context: openai_api_key=[REDACTED]']);
    expect(JSON.stringify(fake.requests)).not.toContain('sk-1234998222');
  });

  it('a key limited to other models is refused before any upstream call', async () => {
    const client = clientFor(await newKey(gw, { models: ['tts'] }));
    const err = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper' }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(401);
    expect((err as { type?: string }).type).toBe('key_model_access_denied');
    expect(fake.requests).toHaveLength(0);
  });

  it('a key over its budget is refused once its audio spend crossed it', async () => {
    const key = await newKey(gw, { max_budget: 0.00005 });
    const client = clientFor(key);
    await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper' }); // 1 s × 0.0001 $/s
    await spendRows(gw, key);
    let err: unknown;
    for (let i = 0; i < 50 && !err; i++) {
      err = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!err) await new Promise((r) => setTimeout(r, 100));
    }
    expect((err as { status?: number }).status).toBe(400);
    // The key's spend is the 1 s transcription, priced: 0.0001.
    expect((err as { message?: string }).message).toMatch(/Budget has been exceeded!.*Current cost: 0\.0001, Max budget: 0\.00005/);
  });

  it('timeout_s ends a transcription the upstream takes too long to answer (504)', async () => {
    fake.delayMs = 1500;
    const client = clientFor(await newKey(gw));
    const started = Date.now();
    const err = await client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper' }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1400);
  });
});
