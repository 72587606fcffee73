/**
 * Embeddings from sagemaker/ embedding endpoints (Hugging Face TEI and feature-extraction
 * containers), as LiteLLM sends them: `{"inputs": [texts]}` to InvokeEndpoint; the answer is a
 * list of vectors or `{"embedding": [...]}`. Token usage is LiteLLM's word count.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { sagemakerError, unsupported } from './sagemaker-errors.js';

/** OpenAI embedding parameters sagemaker/ cannot honour (LiteLLM supports none of them). */
const UNSUPPORTED = new Set(['dimensions']);
const NOT_FORWARDED = new Set(['model', 'input', 'encoding_format', 'user', 'metadata']);

export interface EmbeddingRequest {
  body: JsonObject;
  texts: string[];
  base64: boolean;
}

export function toEmbeddingRequest(body: JsonObject, endpointName: string, dropParams: boolean): EmbeddingRequest {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((t) => typeof t === 'string') ? (input as string[]) : undefined;
  if (!texts) throw unsupported('sagemaker embeddings take text input: a string or an array of strings (token arrays are not supported)', 'input');
  const out: JsonObject = { inputs: texts };
  const refused: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === null || NOT_FORWARDED.has(key)) continue;
    if (UNSUPPORTED.has(key)) {
      if (!dropParams) refused.push(key);
    } else out[key] = value;
  }
  if (refused.length > 0) {
    throw unsupported(`sagemaker does not support parameters: ${JSON.stringify(refused)}, for model=${endpointName}. To drop these, set \`litellm.drop_params=True\` or for proxy:\n\n\`litellm_settings:\n drop_params: true\`\n`, refused[0]);
  }
  return { body: out, texts, base64: body.encoding_format === 'base64' };
}

export function toEmbeddingResponse(raw: unknown, req: EmbeddingRequest, model: string): JsonObject {
  const vectors = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && 'embedding' in raw ? (raw as JsonObject).embedding : undefined;
  if (!Array.isArray(vectors)) {
    throw sagemakerError(500, `Unexpected response format. Expected list or dict with 'embedding' key, got: ${raw === null ? 'null' : typeof raw}`);
  }
  const data = vectors.map((vector: JsonValue, index: number) => ({
    object: 'embedding',
    index,
    embedding: req.base64 && Array.isArray(vector) ? float32Base64(vector as number[]) : vector,
  }));
  const words = req.texts.reduce((n, t) => n + t.split(/\s+/).filter((w) => w.length > 0).length, 0);
  return { object: 'list', data, model, usage: { prompt_tokens: words, total_tokens: words } };
}

/** OpenAI's base64 form: float32, little-endian. */
function float32Base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
