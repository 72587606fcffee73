/**
 * Image prices as LiteLLM's cost calculator computes them for the `aimage_generation` and
 * `aimage_edit` call types, from the units the images routes put in `usage`:
 * - `usage.size` (`1024x1024`, default OpenAI's `1024x1024`), `usage.quality` (default
 *   `standard`), `usage.n` (images asked for, default 1), `usage.images` (images returned),
 *   `usage.steps` (Stability SDXL's diffusion steps, default 50);
 * - LiteLLM's `default_image_cost_calculator` looks the map up by size and quality first:
 *   `<quality>/<size>/<model>`, `<size>/<model>`, `medium/<size>/<model>` (gpt-image's default
 *   quality), each also under the deployment's provider (`azure/hd/1024-x-1024/dall-e-3`), then
 *   the model's own entry; an entry with a pixel price costs `input_cost_per_pixel` × height ×
 *   width × n (dall-e-3 standard 1024×1024: $0.04 an image);
 * - an entry priced per image (`output_cost_per_image`: Imagen, Bedrock's Titan and Stability;
 *   `input_cost_per_image`: the gpt-image size entries) costs that × the images returned (× n
 *   when the answer did not say). LiteLLM's Vertex and Bedrock calculators count the images
 *   returned; its default one prices those entries at 0, a difference kept on purpose;
 * - a gpt-image answer that reports tokens (`usage.prompt_tokens`/`completion_tokens`, with
 *   `prompt_tokens_details.image_tokens`) is priced by them when the model's own entry has token
 *   prices: text tokens × `input_cost_per_token`, image tokens × `input_cost_per_image_token`,
 *   output × `output_cost_per_image_token` (else `output_cost_per_token`). OpenAI bills gpt-image
 *   this way; LiteLLM prices the sizes it has entries for by pixel.
 * A deployment's own `litellm_params`/`model_info` prices (`output_cost_per_image`,
 * `input_cost_per_pixel`) win over the map, as everywhere else.
 */
import type { Usage } from '@sluice/plugin-sdk';
import type { PriceOf } from './audio-cost.js';

/** One entry of the cost map, by key (`hd/1024-x-1024/dall-e-3`). */
export type EntryOf = (key: string) => Readonly<Record<string, unknown>> | undefined;

export interface ImageModel {
  /** The upstream model (`dall-e-3`, `gpt-image-1`). */
  model: string;
  /** The deployment's provider (`openai`, `azure`, `vertex_ai`). */
  provider: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const positive = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n > 0 ? n : undefined;
};

/** `1024x1024` or `1024-x-1024` → height and width; undefined for `auto` or anything else. */
export function parseImageSize(size: unknown): { key: string; height: number; width: number } | undefined {
  const text = typeof size === 'string' && size !== '' ? size : '1024x1024';
  const m = /^(\d{1,5})(?:-x-|x)(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const height = Number(m[1]);
  const width = Number(m[2]);
  return { key: `${height}-x-${width}`, height, width };
}

export function imageCost(usage: Usage, priceOf: PriceOf, entryOf: EntryOf, target: ImageModel): number {
  const requested = positive(usage.n) ?? 1;
  const returned = num(usage.images);
  const images = returned !== undefined && returned >= 0 ? returned : requested;

  // A per-image price of the model (its litellm_params, model_info, then its own map entry).
  const ownPerImage = priceOf('output_cost_per_image');
  if (ownPerImage !== undefined && ownPerImage > 0) return ownPerImage * images;

  const tokens = tokenCost(usage, priceOf);
  if (tokens !== undefined) return tokens;

  const size = parseImageSize(usage.size);
  const quality = typeof usage.quality === 'string' && usage.quality !== '' ? usage.quality : 'standard';
  const steps = positive(usage.steps) ?? 50;
  const entry = size ? sizedEntry(entryOf, target, size.key, quality, steps) : undefined;
  if (entry) {
    const perPixel = positive(entry.input_cost_per_pixel);
    if (perPixel !== undefined && size) return perPixel * size.height * size.width * requested;
    const perImage = positive(entry.output_cost_per_image) ?? positive(entry.input_cost_per_image);
    if (perImage !== undefined) return perImage * images;
  }
  // The model's own entry (base_model, provider/model, model) through the deployment's prices.
  const perPixel = positive(priceOf('input_cost_per_pixel'));
  if (perPixel !== undefined && size) return perPixel * size.height * size.width * requested;
  const perImage = positive(priceOf('output_cost_per_image')) ?? positive(priceOf('input_cost_per_image'));
  return perImage !== undefined ? perImage * images : 0;
}

/** The size- and quality-keyed entries LiteLLM tries, most specific first. */
function sizedEntry(entryOf: EntryOf, { model, provider }: ImageModel, size: string, quality: string, steps: number): Readonly<Record<string, unknown>> | undefined {
  const bare = model.split('/').pop() ?? model;
  const candidates = [
    `${provider}/${quality}/${size}/${bare}`,
    `${provider}/${size}/${bare}`,
    `${provider}/medium/${size}/${bare}`,
    `${quality}/${size}/${bare}`,
    `${size}/${bare}`,
    `medium/${size}/${bare}`,
    // Bedrock's Stability SDXL, priced by size and diffusion steps (LiteLLM's bedrock image calculator).
    `${size}/${steps > 50 ? 'max' : '50'}-steps/${bare}`,
  ];
  for (const key of candidates) {
    const entry = entryOf(key);
    if (entry && typeof entry === 'object') return entry;
  }
  return undefined;
}

/** gpt-image answers with token usage, priced by the model's token prices; undefined without either. */
function tokenCost(usage: Usage, priceOf: PriceOf): number | undefined {
  if (!(usage.prompt_tokens > 0 || usage.completion_tokens > 0)) return undefined;
  const input = priceOf('input_cost_per_token');
  const output = priceOf('output_cost_per_image_token') ?? priceOf('output_cost_per_token');
  if (input === undefined && output === undefined) return undefined;
  const details = usage.prompt_tokens_details as { image_tokens?: unknown; text_tokens?: unknown } | undefined;
  const imageTokens = Math.max(0, num(details?.image_tokens) ?? 0);
  const textTokens = Math.max(0, num(details?.text_tokens) ?? usage.prompt_tokens - imageTokens);
  const imageInput = priceOf('input_cost_per_image_token') ?? input ?? 0;
  return textTokens * (input ?? 0) + imageTokens * imageInput + Math.max(0, usage.completion_tokens) * (output ?? 0);
}
