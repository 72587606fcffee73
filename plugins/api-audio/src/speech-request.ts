/**
 * A `/v1/audio/speech` body, checked: `model`, `input` and `voice` are required, the optional
 * fields have their types; values (voices, formats, speeds) are the provider's to judge, so new
 * ones pass. Every other field goes upstream as given, as LiteLLM passes them.
 */
import type { JsonObject } from '@sluice/plugin-sdk';
import { AudioErrors } from './errors.js';

export interface SpeechRequest {
  model: string;
  /** The client's body, what the preCall chain reads (guardrails see `input`). */
  body: JsonObject;
}

const OPTIONAL_STRINGS = ['response_format', 'instructions', 'stream_format'] as const;

export function speechRequest(raw: unknown, maxInputChars: number): SpeechRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw AudioErrors.INVALID_PARAMETER({ field: 'body', expected: 'a JSON object with model, input and voice' });
  const body = raw as JsonObject;
  const model = body.model;
  if (typeof model !== 'string' || model.trim() === '') throw AudioErrors.MISSING_MODEL();
  const input = body.input;
  if (input === undefined || input === null) throw AudioErrors.MISSING_PARAMETER({ field: 'input' }, { param: 'input' });
  if (typeof input !== 'string' || input === '') throw AudioErrors.INVALID_PARAMETER({ field: 'input', expected: 'a non-empty string' }, { param: 'input' });
  const length = [...input].length;
  if (length > maxInputChars) throw AudioErrors.INPUT_TOO_LONG({ length, limit: maxInputChars });
  const voice = body.voice;
  if (voice === undefined || voice === null) throw AudioErrors.MISSING_PARAMETER({ field: 'voice' }, { param: 'voice' });
  // A built-in voice's name, or a custom voice as `{id}` (OpenAI's custom voices).
  const voiceOk = (typeof voice === 'string' && voice !== '') || (typeof voice === 'object' && !Array.isArray(voice) && typeof (voice as JsonObject).id === 'string');
  if (!voiceOk) throw AudioErrors.INVALID_PARAMETER({ field: 'voice', expected: 'a voice name or {"id": "voice_…"}' }, { param: 'voice' });
  for (const field of OPTIONAL_STRINGS) {
    if (body[field] !== undefined && typeof body[field] !== 'string') throw AudioErrors.INVALID_PARAMETER({ field, expected: 'a string' }, { param: field });
  }
  if (body.speed !== undefined && (typeof body.speed !== 'number' || !Number.isFinite(body.speed))) {
    throw AudioErrors.INVALID_PARAMETER({ field: 'speed', expected: 'a number' }, { param: 'speed' });
  }
  return { model, body };
}

/** LiteLLM's `_count_characters`: the characters of `input` that are not whitespace, what per-character prices multiply. */
export function billableCharacters(input: string): number {
  let n = 0;
  for (const c of input) if (!/\s/u.test(c)) n++;
  return n;
}

/** Tokens of the input for token-priced voices (gpt-4o-mini-tts): about four characters each, as no tokenizer is at hand. */
export function estimatedInputTokens(input: string): number {
  return input.length === 0 ? 0 : Math.max(1, Math.ceil(input.length / 4));
}
