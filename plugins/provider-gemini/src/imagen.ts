/**
 * Imagen (`imagen-3.0-generate-002`, `imagen-4.0-generate-001`…) through both Google APIs: OpenAI's
 * `/images/generations` body becomes Imagen's `:predict` request (`instances[{prompt}]`,
 * `parameters{sampleCount, aspectRatio}`) and its `predictions[{bytesBase64Encoded}]` become
 * OpenAI's `data[{b64_json}]`, as LiteLLM's Gemini and Vertex image configs translate them.
 */
import { httpTarget, type HttpTarget, type JsonObject, type JsonValue } from '@sluice/plugin-sdk';
import { badRequest } from './google-errors.js';

/** Imagen's aspect ratios, width / height. */
const ASPECT_RATIOS: readonly [string, number][] = [
  ['1:1', 1],
  ['3:4', 3 / 4],
  ['4:3', 4 / 3],
  ['9:16', 9 / 16],
  ['16:9', 16 / 9],
];
/** Imagen returns at most 4 images a call. */
const MAX_SAMPLES = 4;

/** The model's `:predict` URL, next to its `:generateContent` one on either API. */
export function imagenTarget(generate: HttpTarget): HttpTarget {
  return httpTarget(`${generate.origin}${generate.path.replace(/:generateContent$/, ':predict')}`);
}

export function imagenRequest(body: JsonObject): JsonObject {
  if (typeof body.prompt !== 'string' || body.prompt === '') throw badRequest("Imagen needs a non-empty 'prompt'");
  const parameters: JsonObject = {};
  if (body.n !== undefined && body.n !== null) {
    if (typeof body.n !== 'number' || !Number.isInteger(body.n) || body.n < 1 || body.n > MAX_SAMPLES) throw badRequest(`Imagen generates 1 to ${MAX_SAMPLES} images a call ('n')`);
    parameters.sampleCount = body.n;
  }
  const aspectRatio = aspectRatioOf(body.size);
  if (aspectRatio) parameters.aspectRatio = aspectRatio;
  // Imagen-only parameters a client passes through (LiteLLM forwards provider params as they are).
  for (const key of ['personGeneration', 'negativePrompt', 'seed', 'addWatermark', 'enhancePrompt', 'safetySetting', 'outputOptions', 'sampleImageSize']) {
    const value = body[key] as JsonValue | undefined;
    if (value !== undefined && value !== null) parameters[key] = value;
  }
  return { instances: [{ prompt: body.prompt }], parameters };
}

/** `1024x1792` → the closest of Imagen's ratios (`9:16`); `auto`, absent or unreadable → Imagen's default. */
function aspectRatioOf(size: JsonValue | undefined): string | undefined {
  if (typeof size !== 'string') return undefined;
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (!m || Number(m[2]) === 0) return undefined;
  const ratio = Number(m[1]) / Number(m[2]);
  let best = ASPECT_RATIOS[0]!;
  for (const candidate of ASPECT_RATIOS) if (Math.abs(Math.log(candidate[1] / ratio)) < Math.abs(Math.log(best[1] / ratio))) best = candidate;
  return best[0];
}

export function fromImagenPredict(response: JsonObject, created: number): JsonObject {
  const predictions = Array.isArray(response.predictions) ? response.predictions : [];
  const data: JsonObject[] = [];
  for (const p of predictions) {
    if (p && typeof p === 'object' && !Array.isArray(p) && typeof p.bytesBase64Encoded === 'string') data.push({ b64_json: p.bytesBase64Encoded });
  }
  return { created, data };
}
