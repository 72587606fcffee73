/**
 * A client's mistakes on the audio routes get a clear OpenAI-format error with the right status,
 * and never reach the upstream: no body, not multipart, no file, an empty file, no model, an
 * upload over `max_upload_bytes` (413), a repeated field, a second file; speech without input or
 * voice, or with too long an input.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { startFakeAudio, type FakeAudio } from './fake-openai-audio.js';
import { audioGateway, newKey, UPSTREAM_KEY } from './support.js';
import { sineWav } from './wav-file.js';

const MAX_UPLOAD = 64 * 1024;
let fake: FakeAudio;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  fake = await startFakeAudio(UPSTREAM_KEY);
  gw = await audioGateway(fake.url, { max_upload_bytes: MAX_UPLOAD, max_speech_input_chars: 50 });
  key = await newKey(gw);
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

type RequestBody = NonNullable<NonNullable<Parameters<typeof fetch>[1]>['body']>;

interface Answer {
  status: number;
  error: { message: string; type: string; param: string | null; code: string };
}

async function post(path: string, body: RequestBody | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, ...(body !== undefined && { body }) });
  const json = (await res.json()) as { error: Answer['error'] };
  return { status: res.status, error: json.error };
}

function form(parts: Record<string, string | Blob | [Blob, string]>): FormData {
  const f = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (Array.isArray(value)) f.append(name, value[0], value[1]);
    else f.append(name, value);
  }
  return f;
}

const wavBlob = (seconds = 0.25) => new Blob([sineWav({ seconds })], { type: 'audio/wav' });

describe('transcription uploads', () => {
  it('a POST without a body is a 400 (not an auth or routing error)', async () => {
    const r = await post('/v1/audio/transcriptions', undefined);
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ type: 'invalid_request_error', param: 'file', code: '400' });
    expect(r.error.message).toContain('multipart/form-data');
  });

  it('a JSON body is 415, naming the expected content type', async () => {
    const r = await post('/v1/audio/transcriptions', JSON.stringify({ model: 'whisper', file: 'x' }), { 'content-type': 'application/json' });
    expect(r.status).toBe(415);
    expect(r.error.message).toBe('Invalid Content-Type header (application/json), expected multipart/form-data.');
  });

  it('no file part, or an empty file, is a 400 on `file`', async () => {
    const none = await post('/v1/audio/transcriptions', form({ model: 'whisper' }));
    expect(none.status).toBe(400);
    expect(none.error).toMatchObject({ param: 'file' });
    expect(none.error.message).toContain("Missing required parameter: 'file'");
    const empty = await post('/v1/audio/translations', form({ model: 'whisper', file: [new Blob([]), 'empty.wav'] }));
    expect(empty.status).toBe(400);
    expect(empty.error.message).toBe('The uploaded audio file is empty.');
  });

  it('no model is OpenAI’s 400 "you must provide a model parameter"', async () => {
    const r = await post('/v1/audio/transcriptions', form({ file: [wavBlob(), 'a.wav'] }));
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ message: 'you must provide a model parameter', param: 'model' });
  });

  it('an upload over max_upload_bytes is a 413, with or without a content-length', async () => {
    const big = sineWav({ seconds: 3 }); // 96 KB > 64 KiB
    const r = await post('/v1/audio/transcriptions', form({ model: 'whisper', file: [new Blob([big]), 'big.wav'] }));
    expect(r.status).toBe(413);
    // Chunked (no content-length): refused while it streams in.
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const err = await client.audio.transcriptions.create({ file: await toFile(big, 'big.wav'), model: 'whisper' }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(413);
  });

  it('a field sent twice, or a second file, is refused', async () => {
    const twice = new FormData();
    twice.append('model', 'whisper');
    twice.append('model', 'whisper');
    twice.append('file', wavBlob(), 'a.wav');
    const r = await post('/v1/audio/transcriptions', twice);
    expect(r.status).toBe(400);
    expect(r.error.message).toContain("Field 'model' was sent more than once");
    const two = await post('/v1/audio/transcriptions', form({ model: 'whisper', file: [wavBlob(), 'a.wav'], extra: [wavBlob(), 'b.wav'] }));
    expect([400, 413]).toContain(two.status);
  });

  it('an unknown model is the gateway’s 400, as on chat', async () => {
    const r = await post('/v1/audio/transcriptions', form({ model: 'no-such-model', file: [wavBlob(), 'a.wav'] }));
    expect(r.status).toBe(400);
    expect(r.error.message).toContain('no-such-model');
  });

  it('none of these reached the upstream', () => {
    expect(fake.requests).toHaveLength(0);
  });
});

describe('speech bodies', () => {
  const speech = (body: unknown) => post('/v1/audio/speech', JSON.stringify(body), { 'content-type': 'application/json' });

  it('missing input or voice is OpenAI’s "Missing required parameter"', async () => {
    const noInput = await speech({ model: 'tts', voice: 'alloy' });
    expect(noInput.status).toBe(400);
    expect(noInput.error).toMatchObject({ message: "Missing required parameter: 'input'.", param: 'input', type: 'invalid_request_error' });
    const noVoice = await speech({ model: 'tts', input: 'hi' });
    expect(noVoice.status).toBe(400);
    expect(noVoice.error).toMatchObject({ message: "Missing required parameter: 'voice'.", param: 'voice' });
    const noModel = await speech({ input: 'hi', voice: 'alloy' });
    expect(noModel.status).toBe(400);
    expect(noModel.error.param).toBe('model');
  });

  it('wrong types and too long an input are 400s', async () => {
    expect((await speech({ model: 'tts', voice: 'alloy', input: 42 })).status).toBe(400);
    expect((await speech({ model: 'tts', voice: ['alloy'], input: 'hi' })).error.param).toBe('voice');
    expect((await speech({ model: 'tts', voice: 'alloy', input: 'hi', speed: 'fast' })).error.param).toBe('speed');
    const long = await speech({ model: 'tts', voice: 'alloy', input: 'x'.repeat(51) });
    expect(long.status).toBe(400);
    expect(long.error.message).toContain('limit is 50');
    expect((await speech([1, 2])).status).toBe(400);
  });

  it('none of these reached the upstream', () => {
    expect(fake.requests).toHaveLength(0);
  });
});
