/**
 * Audio prices from the bundled LiteLLM cost map, as LiteLLM computes them: whisper-1 per second
 * of audio (charged once, not input + output), gpt-4o-transcribe per token with audio tokens at
 * their own price, tts-1 per character, gpt-4o-mini-tts per token; deployment overrides win.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoint, RoutableDeployment, Usage } from '@sluice/plugin-sdk';
import { CostMap, validateCostMap } from '../src/cost-map.js';

const map = new CostMap(validateCostMap(JSON.parse(readFileSync(join(__dirname, '..', 'data', 'model_prices_and_context_window.json'), 'utf8'))));
const deployment = (model: string, params: Record<string, unknown> = {}): RoutableDeployment =>
  ({ id: `d-${model}-${JSON.stringify(params)}`, modelName: model, provider: 'openai', model, rpm: undefined, tpm: undefined, weight: undefined, params }) as RoutableDeployment;
const usage = (u: Record<string, unknown>): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, ...u });
const cost = (endpoint: Endpoint, model: string, u: Record<string, unknown>, params: Record<string, unknown> = {}, modelInfo: Record<string, unknown> = {}) =>
  map.costOf({ endpoint, usage: usage(u), deployment: deployment(model, params), modelInfo });

describe('audio pricing', () => {
  it('has LiteLLM’s entries for whisper-1, tts-1, gpt-4o-transcribe and gpt-4o-mini-tts', () => {
    expect(map.data['whisper-1']).toMatchObject({ input_cost_per_second: 0.0001, output_cost_per_second: 0.0001, mode: 'audio_transcription' });
    expect(map.data['tts-1']).toMatchObject({ input_cost_per_character: 0.000015, mode: 'audio_speech' });
    expect(map.data['gpt-4o-transcribe']).toMatchObject({ input_cost_per_audio_token: 0.0000025, output_cost_per_token: 0.00001 });
    expect(map.data['gpt-4o-mini-tts']).toMatchObject({ input_cost_per_token: 0.0000025 });
  });

  it('whisper-1: audio seconds × 0.0001 $/s, for transcriptions and translations alike', () => {
    expect(cost('audio_transcription', 'whisper-1', { audio_seconds: 12.5 })).toBeCloseTo(0.00125, 12);
    expect(cost('audio_translation', 'whisper-1', { audio_seconds: 60 })).toBeCloseTo(0.006, 12);
    expect(cost('audio_transcription', 'whisper-1', {})).toBe(0);
  });

  it('a model with only input_cost_per_second is charged that; a deployment override wins', () => {
    // output_cost_per_second 0 counts as none (LiteLLM would charge 0 here).
    expect(cost('audio_transcription', 'groq/whisper-large-v3', { audio_seconds: 100 })).toBeCloseTo(100 * 3.083e-5, 12);
    expect(cost('audio_transcription', 'gpt-realtime-whisper', { audio_seconds: 3 })).toBeCloseTo(0.00085, 12);
    expect(cost('audio_transcription', 'whisper-1', { audio_seconds: 10 }, { output_cost_per_second: 0.001 })).toBeCloseTo(0.01, 12);
    expect(cost('audio_transcription', 'my-whisper', { audio_seconds: 10 }, {}, { input_cost_per_second: 0.0002 })).toBeCloseTo(0.002, 12);
  });

  it('gpt-4o-transcribe: text and audio input tokens at their prices plus output tokens', () => {
    const u = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, prompt_tokens_details: { text_tokens: 20, audio_tokens: 100 } };
    expect(cost('audio_transcription', 'gpt-4o-transcribe', u)).toBeCloseTo(20 * 2.5e-6 + 100 * 2.5e-6 + 30 * 1e-5, 12);
    const mini = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_tokens_details: { audio_tokens: 100 } };
    expect(cost('audio_transcription', 'gpt-4o-mini-transcribe', mini)).toBeCloseTo(100 * 1.25e-6 + 10 * 5e-6, 12);
    // Tokens win over seconds when the answer has both.
    expect(cost('audio_transcription', 'gpt-4o-transcribe', { ...u, audio_seconds: 1000 })).toBeCloseTo(20 * 2.5e-6 + 100 * 2.5e-6 + 30 * 1e-5, 12);
  });

  it('tts-1 per character of input; gpt-4o-mini-tts per token', () => {
    expect(cost('audio_speech', 'tts-1', { characters: 1000 })).toBeCloseTo(0.015, 12);
    expect(cost('audio_speech', 'tts-1-hd', { characters: 10 })).toBeCloseTo(0.0003, 12);
    expect(cost('audio_speech', 'gpt-4o-mini-tts', { prompt_tokens: 400, total_tokens: 400, characters: 1600 })).toBeCloseTo(400 * 2.5e-6, 12);
    expect(cost('audio_speech', 'tts-1', { characters: 100 }, { input_cost_per_character: 0.001 })).toBeCloseTo(0.1, 12);
  });
});
