/**
 * A local stand-in for OpenAI's audio API: parses the multipart uploads it gets (busboy) and
 * records every part byte for byte, answers transcriptions and translations in each
 * `response_format` with OpenAI's content types, and streams speech audio in several chunks,
 * holding the last one back until the test says so (to prove the gateway relays as it receives).
 * Requests without `Authorization: Bearer <key>` (or Azure's `api-key: <key>`) get OpenAI's 401.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

export interface SeenPart {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface SeenAudioRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** Text fields of a multipart request, repeated names in order. */
  fields: [string, string][];
  files: SeenPart[];
  /** A JSON request's body. */
  json: Record<string, any> | undefined;
}

export interface FakeAudio {
  url: string;
  requests: SeenAudioRequest[];
  /** What `duration` (verbose_json) and srt/vtt timestamps report, seconds. */
  duration: number;
  /** Token usage for gpt-4o-* transcription models. */
  tokens: { text: number; audio: number; output: number };
  /** Speech: the audio chunks sent, in order, and the pause between them. */
  speechChunks: Buffer[];
  chunkDelayMs: number;
  /** Speech: resolves (or times out) before the last chunk is sent; true when the test released it. */
  lastChunkGate: (() => Promise<boolean>) | undefined;
  /** Speech: whether the last gate was released by the test (vs timed out). */
  lastChunkReleased: boolean | undefined;
  /** Speech answers the gateway stopped reading before the end (its client went away). */
  abortedSpeech: number;
  /** Wait this long before answering a transcription or translation. */
  delayMs: number;
  /** Answer every request with this error instead. */
  fail: { status: number; body: unknown } | undefined;
  close(): Promise<void>;
}

export const TRANSCRIPT = 'The quick brown fox jumps over the lazy dog.';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeAudio(apiKey: string): Promise<FakeAudio> {
  const fake: FakeAudio = {
    url: '',
    requests: [],
    duration: 2.5,
    tokens: { text: 5, audio: 100, output: 12 },
    speechChunks: [Buffer.from('ID3-chunk-1-'), Buffer.from('chunk-2-'), Buffer.from('chunk-3-'), Buffer.from('last-chunk')],
    chunkDelayMs: 30,
    lastChunkGate: undefined,
    lastChunkReleased: undefined,
    abortedSpeech: 0,
    delayMs: 0,
    fail: undefined,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    void handle(fake, apiKey, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

async function handle(fake: FakeAudio, apiKey: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const seen: SeenAudioRequest = { path: req.url ?? '', headers: req.headers, fields: [], files: [], json: undefined };
  if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) await readForm(req, seen);
  else {
    const text = Buffer.concat(await collect(req)).toString('utf8');
    seen.json = text ? (JSON.parse(text) as Record<string, any>) : undefined;
  }
  fake.requests.push(seen);
  // OpenAI's `Authorization: Bearer`, or Azure OpenAI's `api-key`.
  if (req.headers.authorization !== `Bearer ${apiKey}` && req.headers['api-key'] !== apiKey) {
    return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  }
  if (fake.fail) return json(res, fake.fail.status, fake.fail.body);
  const path = (req.url ?? '').split('?')[0]!;
  if (path.endsWith('/audio/transcriptions') || path.endsWith('/audio/translations')) {
    if (fake.delayMs) await sleep(fake.delayMs);
    if (res.destroyed) return;
    return transcribe(fake, seen, path.endsWith('/translations'), res);
  }
  if (path.endsWith('/audio/speech')) return speak(fake, seen, res);
  json(res, 404, { error: { message: `Invalid URL (POST ${path})`, type: 'invalid_request_error', param: null, code: null } });
}

function transcribe(fake: FakeAudio, seen: SeenAudioRequest, translation: boolean, res: ServerResponse): void | Promise<void> {
  const field = (name: string) => seen.fields.find(([n]) => n === name)?.[1];
  const file = seen.files.find((f) => f.field === 'file');
  if (!file) return json(res, 400, { error: { message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: 'missing_required_parameter' } });
  const model = field('model') ?? '';
  const format = field('response_format') ?? 'json';
  const tokenUsage = {
    type: 'tokens',
    input_tokens: fake.tokens.text + fake.tokens.audio,
    input_token_details: { text_tokens: fake.tokens.text, audio_tokens: fake.tokens.audio },
    output_tokens: fake.tokens.output,
    total_tokens: fake.tokens.text + fake.tokens.audio + fake.tokens.output,
  };
  const usage = model.startsWith('gpt-4o') ? tokenUsage : { type: 'duration', seconds: Math.ceil(fake.duration) };
  const end = timestamp(fake.duration);
  if (field('stream') === 'true') return streamTranscript(fake, res, tokenUsage);
  switch (format) {
    case 'text':
      return text(res, 'text/plain; charset=utf-8', `${TRANSCRIPT}\n`);
    case 'srt':
      return text(res, 'text/plain; charset=utf-8', `1\n00:00:00,000 --> ${end.replace('.', ',')}\n${TRANSCRIPT}\n\n`);
    case 'vtt':
      return text(res, 'text/vtt; charset=utf-8', `WEBVTT\n\n00:00:00.000 --> ${end}\n${TRANSCRIPT}\n\n`);
    case 'verbose_json':
      return json(res, 200, {
        task: translation ? 'translate' : 'transcribe',
        language: 'english',
        duration: fake.duration,
        text: TRANSCRIPT,
        segments: [{ id: 0, seek: 0, start: 0, end: fake.duration, text: TRANSCRIPT, tokens: [1, 2], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }],
        ...(seen.fields.some(([n, v]) => n === 'timestamp_granularities[]' && v === 'word') && { words: [{ word: 'The', start: 0, end: 0.2 }] }),
        usage,
      });
    default:
      return json(res, 200, { text: TRANSCRIPT, usage });
  }
}

/** gpt-4o-transcribe's streamed answer: one `transcript.text.delta` event per word, then `transcript.text.done` with the usage. */
async function streamTranscript(fake: FakeAudio, res: ServerResponse, usage: Record<string, unknown>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  const words = TRANSCRIPT.split(' ');
  for (let i = 0; i < words.length; i++) {
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta: (i ? ' ' : '') + words[i] })}\n\n`);
    await sleep(fake.chunkDelayMs / 3);
  }
  res.end(`data: ${JSON.stringify({ type: 'transcript.text.done', text: TRANSCRIPT, usage })}\n\n`);
}

const SPEECH_TYPES: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };

async function speak(fake: FakeAudio, seen: SeenAudioRequest, res: ServerResponse): Promise<void> {
  const body = seen.json ?? {};
  if (typeof body.input !== 'string') return json(res, 400, { error: { message: "Missing required parameter: 'input'.", type: 'invalid_request_error', param: 'input', code: 'missing_required_parameter' } });
  res.writeHead(200, { 'content-type': SPEECH_TYPES[String(body.response_format ?? 'mp3')] ?? 'application/octet-stream', 'transfer-encoding': 'chunked' });
  fake.lastChunkReleased = undefined;
  res.on('close', () => {
    if (!res.writableFinished) fake.abortedSpeech++;
  });
  const chunks = fake.speechChunks;
  for (let i = 0; i < chunks.length; i++) {
    if (res.destroyed) return;
    if (i === chunks.length - 1 && fake.lastChunkGate) fake.lastChunkReleased = await fake.lastChunkGate();
    if (res.destroyed) return;
    res.write(chunks[i]);
    if (i < chunks.length - 1) await sleep(fake.chunkDelayMs);
  }
  res.end();
}

function timestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

function readForm(req: IncomingMessage, seen: SeenAudioRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = busboy({ headers: req.headers });
    const pending: Promise<void>[] = [];
    form.on('field', (name, value) => seen.fields.push([name, value]));
    form.on('file', (field, stream, info) => {
      pending.push(
        collect(stream).then((chunks) => {
          seen.files.push({ field, filename: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(chunks) });
        }),
      );
    });
    form.on('error', reject);
    form.on('close', () => void Promise.all(pending).then(() => resolve(), reject));
    req.pipe(form);
  });
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}
