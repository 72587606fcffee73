/**
 * Audio prices as LiteLLM's cost calculator computes them (`cost_calculator.cost_per_token` for
 * the `atranscription` and `aspeech` call types), from the units the audio routes put in `usage`:
 * - transcription and translation: the answer's tokens when it reports any (gpt-4o-transcribe),
 *   else per second of audio, `usage.audio_seconds` × `output_cost_per_second`, or
 *   `input_cost_per_second` when the model has no output price (LiteLLM's `cost_per_second`
 *   takes one of the two, never both: whisper-1's 0.0001 $/s is charged once). One difference:
 *   an output price of 0 (groq/whisper-large-v3, deepgram/whisper) counts as none, so the input
 *   price applies, where LiteLLM takes the 0 and prices those calls at nothing;
 * - speech: `usage.characters` × `input_cost_per_character` (tts-1), else tokens
 *   (`input_cost_per_token` × prompt tokens, gpt-4o-mini-tts).
 */
import type { Usage } from '@sluice/plugin-sdk';

/** A price of the deployment: its `litellm_params`, then `model_info`, then the cost map entry. */
export type PriceOf = (key: string) => number | undefined;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function transcriptionCost(usage: Usage, priceOf: PriceOf): number {
  if (usage.prompt_tokens > 0 || usage.completion_tokens > 0) return transcriptionTokenCost(usage, priceOf);
  const seconds = Math.max(0, num(usage.audio_seconds) ?? 0);
  const perSecond = priceOf('output_cost_per_second') || priceOf('input_cost_per_second') || 0;
  return perSecond * seconds;
}

/** LiteLLM's `generic_cost_per_token` for a transcription: audio input tokens at their own price. */
function transcriptionTokenCost(usage: Usage, priceOf: PriceOf): number {
  const input = priceOf('input_cost_per_token') ?? 0;
  const details = usage.prompt_tokens_details as { audio_tokens?: unknown; text_tokens?: unknown } | undefined;
  const audio = Math.max(0, num(details?.audio_tokens) ?? 0);
  const text = Math.max(0, num(details?.text_tokens) || usage.prompt_tokens - audio);
  const audioPrice = priceOf('input_cost_per_audio_token') ?? input;
  return text * input + audio * audioPrice + usage.completion_tokens * (priceOf('output_cost_per_token') ?? 0);
}

export function speechCost(usage: Usage, priceOf: PriceOf): number {
  // LiteLLM's select_cost_metric_for_model: a (non-zero) per-character price wins over tokens.
  const perCharacter = priceOf('input_cost_per_character');
  if (perCharacter) return perCharacter * Math.max(0, num(usage.characters) ?? 0);
  return usage.prompt_tokens * (priceOf('input_cost_per_token') ?? 0) + usage.completion_tokens * (priceOf('output_cost_per_token') ?? 0);
}
