/**
 * The fake audio upstream, proven against the official `openai` SDK pointed straight at it: what
 * the SDK sends is recorded intact (fields, the file byte for byte, the key), and every answer
 * reads back as the SDK reads OpenAI's (objects for json/verbose_json, strings for text/srt/vtt,
 * audio bytes for speech, chunk by chunk).
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAudio, TRANSCRIPT, type FakeAudio } from './fake-openai-audio.js';
import { sineWav } from './wav-file.js';

const KEY = 'sk-fake-audio-direct-1';
let fake: FakeAudio;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAudio(KEY);
  client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.lastChunkGate = undefined;
});

describe('fake OpenAI audio API, driven by the openai SDK', () => {
  it('records a transcription upload intact and answers json like OpenAI', async () => {
    const wav = sineWav({ seconds: 1.5 });
    const answer = await client.audio.transcriptions.create({
      file: await toFile(wav, 'tone.wav', { type: 'audio/wav' }),
      model: 'whisper-1',
      language: 'en',
      prompt: 'a tone',
      temperature: 0.2,
    });
    expect(answer.text).toBe(TRANSCRIPT);
    const seen = fake.requests[0]!;
    expect(seen.path).toBe('/v1/audio/transcriptions');
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen.fields).toEqual(expect.arrayContaining([['model', 'whisper-1'], ['language', 'en'], ['prompt', 'a tone'], ['temperature', '0.2']]));
    expect(seen.files).toHaveLength(1);
    expect(seen.files[0]!.field).toBe('file');
    expect(seen.files[0]!.filename).toBe('tone.wav');
    expect(seen.files[0]!.contentType).toBe('audio/wav');
    expect(Buffer.compare(seen.files[0]!.data, Buffer.from(wav))).toBe(0);
  });

  it('answers verbose_json with duration and words, and text/srt/vtt as strings', async () => {
    const file = await toFile(sineWav({ seconds: 0.5 }), 'a.wav');
    const verbose = await client.audio.transcriptions.create({ file, model: 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'] });
    expect(verbose.duration).toBe(fake.duration);
    expect(verbose.words?.[0]?.word).toBe('The');
    expect(fake.requests[0]!.fields.filter(([n]) => n === 'timestamp_granularities[]').map(([, v]) => v)).toEqual(['word', 'segment']);
    const text = await client.audio.transcriptions.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'a.wav'), model: 'whisper-1', response_format: 'text' });
    expect(text).toBe(`${TRANSCRIPT}\n`);
    const srt = await client.audio.transcriptions.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'a.wav'), model: 'whisper-1', response_format: 'srt' });
    expect(srt).toContain('00:00:00,000 --> 00:00:02,500');
    const vtt = await client.audio.transcriptions.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'a.wav'), model: 'whisper-1', response_format: 'vtt' });
    expect(vtt).toMatch(/^WEBVTT/);
  });

  it('translates, and reports token usage for gpt-4o-transcribe', async () => {
    const t = await client.audio.translations.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'fr.wav'), model: 'whisper-1' });
    expect(t.text).toBe(TRANSCRIPT);
    expect(fake.requests[0]!.path).toBe('/v1/audio/translations');
    const g = await client.audio.transcriptions.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'a.wav'), model: 'gpt-4o-transcribe' });
    expect(g.usage).toEqual({ type: 'tokens', input_tokens: 105, input_token_details: { text_tokens: 5, audio_tokens: 100 }, output_tokens: 12, total_tokens: 117 });
  });

  it('streams a gpt-4o-transcribe transcript as SSE events ending with the usage', async () => {
    const stream = await client.audio.transcriptions.create({ file: await toFile(sineWav({ seconds: 0.5 }), 'a.wav'), model: 'gpt-4o-transcribe', stream: true });
    let text = '';
    let usage: unknown;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') text += event.delta;
      if (event.type === 'transcript.text.done') usage = event.usage;
    }
    expect(text).toBe(TRANSCRIPT);
    expect(usage).toMatchObject({ type: 'tokens', input_tokens: 105, output_tokens: 12 });
    expect(fake.requests[0]!.fields).toContainEqual(['stream', 'true']);
  });

  it('streams speech: the first chunk is readable while the last is held back', async () => {
    let firstRead!: () => void;
    const gotFirst = new Promise<void>((r) => (firstRead = r));
    fake.lastChunkGate = () => Promise.race([gotFirst.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello there.', response_format: 'wav' });
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const reader = res.body!.getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (parts.length === 0) firstRead();
      parts.push(value);
    }
    expect(fake.lastChunkReleased).toBe(true);
    expect(Buffer.concat(parts).toString()).toBe(Buffer.concat(fake.speechChunks).toString());
    expect(fake.requests[0]!.json).toEqual({ model: 'tts-1', voice: 'alloy', input: 'Hello there.', response_format: 'wav' });
  });

  it('refuses a wrong key with OpenAI’s 401', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await expect(wrong.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });
});
