/**
 * A transcription's answer, relayed as the upstream sent it, and the units it is priced by.
 * `json` and `verbose_json` come back as JSON; `text`, `srt` and `vtt` as text with the upstream's
 * content type (LiteLLM wraps those in `{"text": …}`, which the OpenAI SDK, expecting a string,
 * does not read as the transcript: Sluice answers as OpenAI does).
 */
import { UpstreamError, type JsonObject, type ProviderFile, type ProviderResponse, type Usage } from '@sluice/plugin-sdk';
import { audioFileDuration, subtitleDuration } from './audio-duration.js';

/** A text transcript larger than this is an upstream fault, not something to hold in memory. */
const MAX_TEXT_ANSWER_BYTES = 16 * 1024 * 1024;

export interface TranscriptionAnswer {
  status: number;
  contentType: string;
  /** The answer's text, as received. */
  text: string;
  /** The parsed answer when it is JSON. */
  json: JsonObject | undefined;
}

export async function readTranscriptionAnswer(response: ProviderResponse): Promise<TranscriptionAnswer> {
  if (response.kind === 'json') {
    const text = response.raw ?? JSON.stringify(response.body);
    return { status: response.status, contentType: 'application/json', text, json: response.body };
  }
  if (response.kind === 'bytes') {
    const text = await readText(response.body);
    return { status: response.status, contentType: response.contentType, text, json: undefined };
  }
  throw new UpstreamError(`the upstream answered a transcription with a ${response.kind} stream`, { status: 502 });
}

async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_TEXT_ANSWER_BYTES) throw new UpstreamError(`the upstream's transcript is larger than ${MAX_TEXT_ANSWER_BYTES} bytes`, { status: 502 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Usage in OpenAI's names plus `audio_seconds`, what per-second prices multiply. Tokens come from
 * the answer's `usage` (gpt-4o-transcribe: `{type: "tokens", input_tokens, input_token_details,
 * output_tokens}`). The duration, in LiteLLM's order: the answer's `duration` (verbose_json), the
 * last timestamp of an srt/vtt transcript, the uploaded file's own length (WAV and FLAC headers;
 * LiteLLM asks libsndfile), and, beyond LiteLLM, the seconds OpenAI bills (`usage.seconds`) when
 * the file's format cannot be read.
 */
export function transcriptionUsage(answer: TranscriptionAnswer, file: ProviderFile): Usage {
  const reported = answer.json?.usage as Record<string, unknown> | undefined;
  const input = num(reported?.input_tokens) ?? 0;
  const output = num(reported?.output_tokens) ?? 0;
  const usage: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: num(reported?.total_tokens) ?? input + output };
  const details = reported?.input_token_details as Record<string, unknown> | undefined;
  if (details) usage.prompt_tokens_details = { text_tokens: num(details.text_tokens) ?? 0, audio_tokens: num(details.audio_tokens) ?? 0 };
  const seconds =
    // Older Whisper answers sent `duration` as a numeric string.
    num(typeof answer.json?.duration === 'string' ? Number(answer.json.duration) : answer.json?.duration) ??
    (answer.json === undefined ? subtitleDuration(answer.text) : undefined) ??
    audioFileDuration(file.data) ??
    (reported?.type === 'duration' ? num(reported.seconds) : undefined);
  if (seconds !== undefined) usage.audio_seconds = seconds;
  return usage;
}
