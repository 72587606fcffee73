/**
 * Image prices from the bundled LiteLLM cost map, as LiteLLM's `default_image_cost_calculator`
 * computes them: dall-e by pixel from the size/quality-keyed entries × n, Azure's own entries,
 * per-image prices (Imagen, Titan), gpt-image by the tokens its answer reports; overrides win.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoint, RoutableDeployment, Usage } from '@sluice/plugin-sdk';
import { CostMap, validateCostMap } from '../src/cost-map.js';
import { parseImageSize } from '../src/image-cost.js';

const map = new CostMap(validateCostMap(JSON.parse(readFileSync(join(__dirname, '..', 'data', 'model_prices_and_context_window.json'), 'utf8'))));
const deployment = (model: string, provider: string, params: Record<string, unknown> = {}): RoutableDeployment =>
  ({ id: `d-${provider}-${model}-${JSON.stringify(params)}`, modelName: model, provider, model, rpm: undefined, tpm: undefined, weight: undefined, params }) as RoutableDeployment;
const usage = (u: Record<string, unknown>): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, ...u });
const cost = (model: string, u: Record<string, unknown>, opts: { endpoint?: Endpoint; provider?: string; params?: Record<string, unknown>; modelInfo?: Record<string, unknown> } = {}) =>
  map.costOf({ endpoint: opts.endpoint ?? 'image_generation', usage: usage(u), deployment: deployment(model, opts.provider ?? 'openai', opts.params), modelInfo: opts.modelInfo ?? {} });

describe('image pricing', () => {
  it('dall-e-3: standard 1024x1024 by default, $0.04 an image; hd and tall sizes from their own entries', () => {
    expect(cost('dall-e-3', { images: 1 })).toBeCloseTo(3.81469e-8 * 1024 * 1024, 12);
    expect(cost('dall-e-3', { images: 1 })).toBeCloseTo(0.04, 4);
    expect(cost('dall-e-3', { n: 2, images: 2, size: '1024x1024', quality: 'hd' })).toBeCloseTo(7.629e-8 * 1024 * 1024 * 2, 12);
    expect(cost('dall-e-3', { n: 1, size: '1792x1024', quality: 'hd' })).toBeCloseTo(6.539e-8 * 1792 * 1024, 12);
  });

  it('dall-e-2 by size × n (no quality entries), for generations, edits and variations', () => {
    expect(cost('dall-e-2', { n: 3, size: '256x256' })).toBeCloseTo(2.4414e-7 * 256 * 256 * 3, 12);
    expect(cost('dall-e-2', { n: 1, size: '512x512' }, { endpoint: 'image_edit' })).toBeCloseTo(6.86e-8 * 512 * 512, 12);
    expect(cost('dall-e-2', { n: 1, size: '1024-x-1024' }, { endpoint: 'image_variation' })).toBeCloseTo(1.9e-8 * 1024 * 1024, 12);
  });

  it("azure deployments use azure's entries", () => {
    expect(cost('dall-e-3', { n: 1, size: '1024x1024', quality: 'hd' }, { provider: 'azure' })).toBeCloseTo(7.629e-8 * 1024 * 1024, 12);
  });

  it('gpt-image-1: tokens when the answer reports them, else the medium size entry', () => {
    const tokens = { prompt_tokens: 50, completion_tokens: 4160, total_tokens: 4210, prompt_tokens_details: { text_tokens: 40, image_tokens: 10 } };
    expect(cost('gpt-image-1', tokens)).toBeCloseTo(40 * 5e-6 + 10 * 1e-5 + 4160 * 4e-5, 12);
    expect(cost('gpt-image-1', { n: 1, size: '1024x1024', quality: 'auto' })).toBeCloseTo(4.0054321e-8 * 1024 * 1024, 12);
    expect(cost('gpt-image-1', { n: 1, size: '1024x1536', quality: 'high' })).toBeCloseTo(1.58945719e-7 * 1024 * 1536, 12);
  });

  it('per-image prices (Imagen, Titan) × the images returned', () => {
    expect(cost('imagen-4.0-generate-001', { n: 4, images: 3 }, { provider: 'gemini', params: {} , modelInfo: { base_model: 'gemini/imagen-4.0-generate-001' } })).toBeCloseTo(0.12, 12);
    expect(cost('amazon.titan-image-generator-v2:0', { n: 2 }, { provider: 'bedrock' })).toBeCloseTo(0.016, 12);
    // Stability SDXL on Bedrock: by size and steps (50 or fewer, else max), × images.
    expect(cost('stability.stable-diffusion-xl-v1', { n: 1, images: 1, size: '1024x1024' }, { provider: 'bedrock' })).toBeCloseTo(0.04, 12);
    expect(cost('stability.stable-diffusion-xl-v1', { n: 2, images: 2, size: '1024x1024', steps: 70 }, { provider: 'bedrock' })).toBeCloseTo(0.16, 12);
  });

  it("a deployment's own per-image or per-pixel price wins; an unknown model costs 0", () => {
    expect(cost('my-image-model', { images: 2 }, { params: { output_cost_per_image: 0.5 } })).toBe(1);
    expect(cost('my-image-model', { n: 1, size: '10x10' }, { modelInfo: { input_cost_per_pixel: 0.001 } })).toBeCloseTo(0.1, 12);
    expect(cost('my-image-model', { images: 1 })).toBe(0);
    // No size entry for `auto`: the model's own per-image price (LiteLLM fails to parse the size and charges nothing).
    expect(cost('dall-e-3', { n: 1, images: 1, size: 'auto' })).toBeCloseTo(0.04, 12);
  });

  it('parses sizes as LiteLLM does', () => {
    expect(parseImageSize('1024x1792')).toEqual({ key: '1024-x-1792', height: 1024, width: 1792 });
    expect(parseImageSize('512-x-512')).toEqual({ key: '512-x-512', height: 512, width: 512 });
    expect(parseImageSize(undefined)).toEqual({ key: '1024-x-1024', height: 1024, width: 1024 });
    expect(parseImageSize('auto')).toBeUndefined();
  });
});
