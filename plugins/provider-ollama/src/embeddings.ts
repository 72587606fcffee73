/** OpenAI embeddings ↔ Ollama's /api/embed (`{model, input}` → `{embeddings}`). */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { OllamaErrors } from './ollama-errors.js';
import type { OllamaEmbedResponse } from './ollama-wire.js';
import type { DeploymentDefaults } from './request-options.js';

export function toEmbedRequest(body: JsonObject, defaults: DeploymentDefaults): JsonObject {
  const input = body.input;
  const texts = typeof input === 'string' || (Array.isArray(input) && input.every((i) => typeof i === 'string'));
  if (!texts) throw OllamaErrors.UNSUPPORTED_INPUT({ param: 'input', reason: 'text inputs only (not token ids)' }, { param: 'input' });
  const out: JsonObject = { model: String(body.model), input: input as JsonValue };
  if (typeof body.dimensions === 'number') out.dimensions = body.dimensions;
  if (Object.keys(defaults.options).length > 0) out.options = defaults.options;
  const keepAlive = body.keep_alive ?? defaults.keepAlive;
  if (keepAlive !== undefined) out.keep_alive = keepAlive;
  return out;
}

/** `encoding_format: base64` (the openai SDK's default) is little-endian float32, as OpenAI sends it. */
export function toOpenAIEmbeddings(res: OllamaEmbedResponse, body: JsonObject): JsonObject {
  const base64 = body.encoding_format === 'base64';
  const data = (res.embeddings ?? []).map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
  }));
  const prompt = typeof res.prompt_eval_count === 'number' ? res.prompt_eval_count : 0;
  return { object: 'list', data, model: String(body.model), usage: { prompt_tokens: prompt, total_tokens: prompt } };
}
