/**
 * OpenAI image generation through InvokeModel, for Bedrock's image models as LiteLLM maps them:
 * - Amazon Titan Image Generator / Nova Canvas: `{taskType: 'TEXT_IMAGE', textToImageParams,
 *   imageGenerationConfig{numberOfImages, width, height, quality}}` → `{images: [base64]}`;
 * - Stability SDXL v1: `{text_prompts, width, height, samples}` → `{artifacts: [{base64}]}`;
 * - Stability SD3, Stable Image Core and Ultra: `{prompt, aspect_ratio}` → `{images: [base64]}`
 *   (one image a call).
 * The answer is OpenAI's `{created, data: [{b64_json}]}`.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { unsupported } from './bedrock-errors.js';

export type ImageFamily = 'titan' | 'stability-sdxl' | 'stability-v3';

/** Which request shape an image model id takes; cross-region profile prefixes (`us.`…) are skipped. */
export function imageFamily(modelId: string): ImageFamily | undefined {
  const base = modelId.replace(/^(us|us-gov|eu|apac|jp|au|ca|global)\./, '');
  if (base.startsWith('amazon.titan-image-generator') || base.startsWith('amazon.nova-canvas')) return 'titan';
  if (base.startsWith('stability.stable-diffusion-xl')) return 'stability-sdxl';
  if (base.startsWith('stability.sd3') || base.startsWith('stability.stable-image')) return 'stability-v3';
  return undefined;
}

export type InvokeJson = (payload: JsonObject) => Promise<JsonObject>;

export async function generateImages(body: JsonObject, modelId: string, invoke: InvokeJson): Promise<JsonObject> {
  const family = imageFamily(modelId);
  if (!family) throw unsupported(`${modelId} is not an image model this gateway knows (amazon.titan-image-generator-*, amazon.nova-canvas-*, stability.*)`, 'model');
  if (typeof body.prompt !== 'string' || body.prompt === '') throw unsupported("image generation needs a non-empty 'prompt'", 'prompt');
  const n = count(body.n);
  const size = dimensions(body.size);
  const created = Math.floor(Date.now() / 1000);
  if (family === 'titan') {
    const config: JsonObject = { numberOfImages: n };
    if (size) Object.assign(config, size);
    if (body.quality === 'hd' || body.quality === 'premium' || body.quality === 'high') config.quality = 'premium';
    else if (typeof body.quality === 'string') config.quality = 'standard';
    const answer = await invoke({ taskType: 'TEXT_IMAGE', textToImageParams: { text: body.prompt }, imageGenerationConfig: config });
    return { created, data: strings(answer.images).map((b64_json) => ({ b64_json })) };
  }
  if (family === 'stability-sdxl') {
    const request: JsonObject = { text_prompts: [{ text: body.prompt, weight: 1 }], samples: n };
    if (size) Object.assign(request, size);
    for (const key of ['cfg_scale', 'steps', 'seed', 'style_preset', 'sampler'] as const) if (body[key] !== undefined && body[key] !== null) request[key] = body[key] as JsonValue;
    const answer = await invoke(request);
    const artifacts = Array.isArray(answer.artifacts) ? answer.artifacts : [];
    return { created, data: artifacts.flatMap((a) => (isObject(a) && typeof a.base64 === 'string' ? [{ b64_json: a.base64 }] : [])) };
  }
  if (n !== 1) throw unsupported(`${modelId} makes one image a call; send n=1`, 'n');
  const request: JsonObject = { prompt: body.prompt };
  const ratio = size ? aspectRatio(size.width, size.height) : undefined;
  if (ratio) request.aspect_ratio = ratio;
  for (const key of ['negative_prompt', 'seed', 'output_format', 'mode'] as const) if (body[key] !== undefined && body[key] !== null) request[key] = body[key] as JsonValue;
  const answer = await invoke(request);
  return { created, data: strings(answer.images).map((b64_json) => ({ b64_json })) };
}

function count(n: JsonValue | undefined): number {
  if (n === undefined || n === null) return 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 5) throw unsupported('n must be an integer from 1 to 5 for Bedrock image models', 'n');
  return n;
}

function dimensions(size: JsonValue | undefined): { width: number; height: number } | undefined {
  if (typeof size !== 'string') return undefined;
  const m = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** Stability's ratios, width:height; the closest one to the asked size. */
const RATIOS = ['1:1', '16:9', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'];

function aspectRatio(width: number, height: number): string {
  const wanted = width / height;
  let best = RATIOS[0]!;
  let bestGap = Infinity;
  for (const r of RATIOS) {
    const [w, h] = r.split(':').map(Number) as [number, number];
    const gap = Math.abs(Math.log(w / h / wanted));
    if (gap < bestGap) {
      best = r;
      bestGap = gap;
    }
  }
  return best;
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function isObject(v: JsonValue): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
