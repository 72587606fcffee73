/**
 * The audio routes through a real gateway, with the official `openai` SDK as the client and the
 * fake OpenAI audio API (fake-openai-audio.test.ts proves it) behind: what reaches the upstream
 * (fields, the file byte for byte, the deployment's key and model), what the client reads back in
 * every response format, speech relayed as it arrives, and one priced spend row per call.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { startFakeAudio, TRANSCRIPT, type FakeAudio } from './fake-openai-audio.js';
import { audioGateway, AZURE_API_VERSION, newKey, spendRows, UPSTREAM_KEY } from './support.js';
import { sineWav } from './wav-file.js';

let fake: FakeAudio;
let gw: TestGateway;
let key: string;
/** Every caller key of the file's tests, for the log check at the end. */
const keys: string[] = [];
let client: OpenAI;

/** 1.75 s of audio: distinct from the fake's reported duration (2.5 s), so the test tells which one was priced. */
const WAV_SECONDS = 1.75;
const wav = sineWav({ seconds: WAV_SECONDS });
const WHISPER_PER_SECOND = 0.0001;

beforeAll(async () => {
  fake = await startFakeAudio(UPSTREAM_KEY);
  gw = await audioGateway(fake.url);
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(async () => {
  fake.requests.length = 0;
  fake.lastChunkGate = undefined;
  fake.fail = undefined;
  // A key per test: its spend rows are the test's own.
  key = await newKey(gw);
  keys.push(key);
  client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});

const field = (name: string) => fake.requests[0]!.fields.filter(([n]) => n === name).map(([, v]) => v);

describe('transcriptions', () => {
  it('uploads the WAV intact with the deployment’s key and model, answers json, and prices the file’s duration', async () => {
    const { data, response } = await client.audio.transcriptions
      .create({ file: await toFile(wav, 'tone.wav', { type: 'audio/wav' }), model: 'whisper', language: 'en', prompt: 'a tone', temperature: 0.2 })
      .withResponse();
    expect(data.text).toBe(TRANSCRIPT);

    expect(fake.requests).toHaveLength(1);
    const seen = fake.requests[0]!;
    expect(seen.path).toBe('/v1/audio/transcriptions');
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(field('model')).toEqual(['whisper-1']);
    expect(field('language')).toEqual(['en']);
    expect(field('prompt')).toEqual(['a tone']);
    expect(field('temperature')).toEqual(['0.2']);
    expect(seen.files).toHaveLength(1);
    expect(seen.files[0]).toMatchObject({ field: 'file', filename: 'tone.wav', contentType: 'audio/wav' });
    expect(Buffer.compare(seen.files[0]!.data, Buffer.from(wav))).toBe(0);

    const cost = WAV_SECONDS * WHISPER_PER_SECOND;
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeCloseTo(cost, 12);
    expect(response.headers.get('x-litellm-model-id')).toBeTruthy();
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ call_type: 'atranscription', status: 'success' });
    expect(row!.spend).toBeCloseTo(cost, 12);
  });

  it('verbose_json: the answer’s duration is priced; timestamp_granularities[] reach the upstream', async () => {
    const answer = await client.audio.transcriptions.create({
      file: await toFile(wav, 'tone.wav'),
      model: 'whisper',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    expect(answer.duration).toBe(fake.duration);
    expect(answer.words?.[0]?.word).toBe('The');
    expect(field('timestamp_granularities[]')).toEqual(['word', 'segment']);
    const [row] = await spendRows(gw, key);
    expect(row!.spend).toBeCloseTo(fake.duration * WHISPER_PER_SECOND, 12);
  });

  it.each([
    ['text', 'text/plain; charset=utf-8'],
    ['srt', 'text/plain; charset=utf-8'],
    ['vtt', 'text/vtt; charset=utf-8'],
  ] as const)('response_format %s comes back as text with the upstream’s content type', async (format, contentType) => {
    const { data, response } = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'whisper', response_format: format }).withResponse();
    expect(typeof data).toBe('string');
    expect(data as unknown as string).toContain(TRANSCRIPT);
    expect(response.headers.get('content-type')).toBe(contentType);
    // srt/vtt: priced by their last timestamp (the fake's 2.5 s); text: by the WAV's own length.
    const seconds = format === 'text' ? WAV_SECONDS : fake.duration;
    const [row] = await spendRows(gw, key);
    expect(row!.spend).toBeCloseTo(seconds * WHISPER_PER_SECOND, 12);
  });

  it('gpt-4o-transcribe is priced from the answer’s token usage', async () => {
    await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'gpt-4o-transcribe' });
    expect(field('model')).toEqual(['gpt-4o-transcribe']);
    const [row] = await spendRows(gw, key);
    // 5 text + 100 audio input tokens at 2.5e-6, 12 output tokens at 1e-5 (LiteLLM's cost map).
    expect(row!.spend).toBeCloseTo(105 * 2.5e-6 + 12 * 1e-5, 12);
    expect(row).toMatchObject({ prompt_tokens: 105, completion_tokens: 12 });
  });

  it('stream=true relays the upstream’s events as they come and prices the call from the final usage', async () => {
    const stream = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'gpt-4o-transcribe', stream: true });
    let text = '';
    let events = 0;
    for await (const event of stream) {
      events++;
      if (event.type === 'transcript.text.delta') text += event.delta;
    }
    expect(text).toBe(TRANSCRIPT);
    expect(events).toBe(TRANSCRIPT.split(' ').length + 1);
    expect(field('stream')).toEqual(['true']);
    expect(fake.requests[0]!.headers.accept).toBe('text/event-stream');
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ call_type: 'atranscription', status: 'success', prompt_tokens: 105, completion_tokens: 12 });
    expect(row!.spend).toBeCloseTo(105 * 2.5e-6 + 12 * 1e-5, 12);
  });

  it('translations go to /audio/translations and are recorded as such', async () => {
    const answer = await client.audio.translations.create({ file: await toFile(wav, 'french.wav'), model: 'whisper', prompt: 'bonjour' });
    expect(answer.text).toBe(TRANSCRIPT);
    expect(fake.requests[0]!.path).toBe('/v1/audio/translations');
    expect(field('prompt')).toEqual(['bonjour']);
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ call_type: 'atranslation', status: 'success' });
    expect(row!.spend).toBeCloseTo(WAV_SECONDS * WHISPER_PER_SECOND, 12);
  });

  it('is served without /v1 too', async () => {
    const form = new FormData();
    form.append('model', 'whisper');
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'tone.wav');
    const res = await fetch(`${gw.url}/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toBe(TRANSCRIPT);
  });

  it('relays an upstream refusal in OpenAI’s format and records the failure', async () => {
    fake.fail = { status: 400, body: { error: { message: 'Audio file might be corrupted or unsupported', type: 'invalid_request_error', param: 'file', code: 'invalid_value' } } };
    const err = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'whisper' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('Audio file might be corrupted or unsupported');
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ status: 'failure', spend: 0 });
  });
});

describe('Azure OpenAI deployments', () => {
  it('transcribe and speak at the deployment’s path with api-version and the api-key header, priced by base_model', async () => {
    const answer = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'azure-whisper' });
    expect(answer.text).toBe(TRANSCRIPT);
    const res = await client.audio.speech.create({ model: 'azure-tts', voice: 'alloy', input: 'Azure speaks.' });
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe(Buffer.concat(fake.speechChunks).toString());

    const [transcription, speech] = fake.requests;
    expect(transcription!.path).toBe(`/openai/deployments/my-whisper/audio/transcriptions?api-version=${AZURE_API_VERSION}`);
    expect(transcription!.headers['api-key']).toBe(UPSTREAM_KEY);
    expect(Buffer.compare(transcription!.files[0]!.data, Buffer.from(wav))).toBe(0);
    expect(speech!.path).toBe(`/openai/deployments/my-tts/audio/speech?api-version=${AZURE_API_VERSION}`);
    expect(speech!.json).toMatchObject({ model: 'my-tts', input: 'Azure speaks.', voice: 'alloy' });

    const rows = await spendRows(gw, key, 2);
    const byType = Object.fromEntries(rows.map((r) => [r.call_type, r.spend]));
    expect(byType.atranscription).toBeCloseTo(WAV_SECONDS * 0.0001, 12);
    expect(byType.aspeech).toBeCloseTo('Azure speaks.'.replace(/\s/g, '').length * 1.5e-5, 12);
  });
});

describe('speech', () => {
  it('relays the audio as it arrives: the client has the first chunk before the upstream sends the last', async () => {
    let firstRead!: () => void;
    const gotFirst = new Promise<void>((r) => (firstRead = r));
    // The fake holds its last chunk until the client (through the gateway) has read the first one.
    fake.lastChunkGate = () => Promise.race([gotFirst.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    const input = 'Hello there, general Kenobi.';
    const res = await client.audio.speech.create({ model: 'tts', voice: 'alloy', input, response_format: 'wav', speed: 1.25, instructions: 'calm' });
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
    expect(Buffer.compare(Buffer.concat(parts), Buffer.concat(fake.speechChunks))).toBe(0);

    const seen = fake.requests[0]!;
    expect(seen.path).toBe('/v1/audio/speech');
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen.json).toEqual({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav', speed: 1.25, instructions: 'calm' });

    // tts-1: 1.5e-5 per character, whitespace not counted (LiteLLM's _count_characters).
    const characters = input.replace(/\s/g, '').length;
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ call_type: 'aspeech', status: 'success' });
    expect(row!.spend).toBeCloseTo(characters * 1.5e-5, 12);
  });

  it('gpt-4o-mini-tts is priced per input token', async () => {
    const input = 'Tokens, not characters, price this voice.';
    const res = await client.audio.speech.create({ model: 'mini-tts', voice: 'coral', input });
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    await res.arrayBuffer();
    const [row] = await spendRows(gw, key);
    expect(row!.spend).toBeCloseTo(Math.ceil(input.length / 4) * 2.5e-6, 12);
  });

  it('a client that leaves mid-audio aborts the upstream call; the call is still charged', async () => {
    const before = fake.abortedSpeech;
    fake.lastChunkGate = () => new Promise<boolean>((r) => setTimeout(() => r(false), 3000));
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts', voice: 'alloy', input: 'Leaving early.' }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 2500;
    while (fake.abortedSpeech === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.abortedSpeech).toBe(before + 1);
    const [row] = await spendRows(gw, key);
    expect(row).toMatchObject({ call_type: 'aspeech', status: 'failure' });
    expect(row!.spend).toBeCloseTo('Leavingearly.'.length * 1.5e-5, 12);
  });
});

describe('secrets', () => {
  it('neither the deployment’s key nor the caller’s reaches the logs', () => {
    const logs = gw.logs.join('\n');
    expect(logs).not.toContain(UPSTREAM_KEY);
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) expect(logs).not.toContain(k);
  });
});
