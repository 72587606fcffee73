/**
 * OpenAI embeddings ↔ Cohere `/v2/embed` (or `/v1/embed`). LiteLLM's request: `texts` (or
 * `images` with `input_type: image` when the inputs are data: URLs), `input_type` defaulting to
 * `search_document`, `dimensions` → `output_dimension`. Floats are asked for and encoded here when
 * the client wants base64 (float32 little-endian, as OpenAI sends it); a client that names Cohere's
 * `embedding_types` itself gets those vectors back as they are.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { invalid } from './cohere-errors.js';

export const DEFAULT_INPUT_TYPE = 'search_document';

/** Cohere's own embed parameters, passed as the client sent them. */
const PASSED = ['input_type', 'truncate', 'max_tokens', 'priority'];

export function toCohereEmbedRequest(body: JsonObject, model: string): JsonObject {
  const input = body.input;
  const inputs = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) throw invalid('input', 'Cohere embeds text (or data: URL images), not token ids');
  const images = inputs.length > 0 && inputs.every((i) => (i as string).startsWith('data:'));
  const out: JsonObject = images ? { model, images: inputs, input_type: 'image' } : { model, texts: inputs, input_type: DEFAULT_INPUT_TYPE };
  for (const key of PASSED) if (body[key] != null && !(images && key === 'input_type')) out[key] = body[key]!;
  if (body.dimensions != null) out.output_dimension = body.dimensions;
  out.embedding_types = Array.isArray(body.embedding_types) ? body.embedding_types : ['float'];
  return out;
}

export function toOpenAIEmbeddings(res: JsonObject, body: JsonObject, model: string): JsonObject {
  const base64 = body.encoding_format === 'base64' && !Array.isArray(body.embedding_types);
  const vectors = vectorsOf(res.embeddings);
  const data = vectors.map((embedding, index) => ({
    object: 'embedding',
    index,
    embedding: base64 && Array.isArray(embedding) ? Buffer.from(new Float32Array(embedding as number[]).buffer).toString('base64') : embedding,
  }));
  const billed = ((res.meta as JsonObject | undefined)?.billed_units ?? {}) as JsonObject;
  const prompt = (typeof billed.input_tokens === 'number' ? billed.input_tokens : 0) + (typeof billed.images === 'number' ? billed.images : 0);
  return { object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
}

/** `embeddings` by type (`{float: [[…]]}`, v2 and v1 with embedding_types) or a bare list (v1's floats). */
function vectorsOf(embeddings: JsonValue | undefined): JsonValue[] {
  if (Array.isArray(embeddings)) return embeddings;
  if (!embeddings || typeof embeddings !== 'object') return [];
  const out: JsonValue[] = [];
  for (const list of Object.values(embeddings)) if (Array.isArray(list)) out.push(...list);
  return out;
}
