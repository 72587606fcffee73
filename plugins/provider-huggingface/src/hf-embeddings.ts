/**
 * Embeddings through the feature-extraction pipeline (Inference Endpoints, TEI, the router's
 * hf-inference provider): `{"inputs": [texts]}` → a vector per input. Token usage is estimated
 * (about 4 characters a token): the pipeline reports none.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { hfError, unsupported } from './hf-errors.js';

export interface EmbeddingRequest {
  body: JsonObject;
  texts: string[];
  base64: boolean;
}

export function toEmbeddingRequest(body: JsonObject): EmbeddingRequest {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((t) => typeof t === 'string') ? (input as string[]) : undefined;
  if (!texts) throw unsupported('huggingface embeddings take text input: a string or an array of strings (token arrays are not supported)', 'input');
  if (body.dimensions !== undefined && body.dimensions !== null) throw unsupported('huggingface feature-extraction cannot shorten vectors: `dimensions` is not supported', 'dimensions');
  return { body: { inputs: texts }, texts, base64: body.encoding_format === 'base64' };
}

export function toEmbeddingResponse(raw: unknown, req: EmbeddingRequest, model: string): JsonObject {
  if (!Array.isArray(raw)) {
    const error = raw && typeof raw === 'object' ? (raw as JsonObject).error : undefined;
    throw hfError(502, typeof error === 'string' ? error : `unexpected feature-extraction answer: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  // One input may come back as a bare vector.
  const vectors: JsonValue[] = typeof raw[0] === 'number' ? [raw as JsonValue] : (raw as JsonValue[]);
  const data = vectors.map((v, index) => {
    // Token-level answers ([tokens][dims]) give the first token's vector.
    let vector = v as JsonValue[];
    if (Array.isArray(vector[0])) vector = vector[0] as JsonValue[];
    return { object: 'embedding', index, embedding: req.base64 ? float32Base64(vector as number[]) : vector };
  });
  const tokens = req.texts.reduce((n, t) => n + (t.length === 0 ? 0 : Math.max(1, Math.ceil(t.length / 4))), 0);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function float32Base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
