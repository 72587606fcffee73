/**
 * OpenAI embeddings ↔ Gemini: AI Studio's `:batchEmbedContents` (one request per input) and
 * Vertex's `:predict` (one instance per input). Both answer floats; `encoding_format: base64`
 * is produced here, as OpenAI does it (little-endian float32).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { badRequest } from './google-errors.js';
import { isObject } from './gemini-schema.js';

export function embeddingInputs(body: JsonObject): string[] {
  const input = body.input;
  const inputs = Array.isArray(input) ? input : [input];
  if (inputs.length === 0) throw badRequest('input must not be empty');
  return inputs.map((value, i) => {
    if (typeof value !== 'string') throw badRequest(`input[${i}]: Gemini embeds text only, not token arrays`);
    return value;
  });
}

/** `dimensions` → `outputDimensionality`; LiteLLM's `task_type` → Gemini's `taskType`. */
function options(body: JsonObject): { dimensions: number | undefined; taskType: string | undefined } {
  return {
    dimensions: typeof body.dimensions === 'number' ? body.dimensions : undefined,
    taskType: typeof body.task_type === 'string' ? body.task_type : undefined,
  };
}

export function batchEmbedRequest(body: JsonObject, modelResource: string): JsonObject {
  const { dimensions, taskType } = options(body);
  return {
    requests: embeddingInputs(body).map((text) => {
      const request: JsonObject = { model: modelResource, content: { parts: [{ text }] } };
      if (taskType) request.taskType = taskType;
      if (dimensions !== undefined) request.outputDimensionality = dimensions;
      return request;
    }),
  };
}

export function predictRequest(body: JsonObject): JsonObject {
  const { dimensions, taskType } = options(body);
  const request: JsonObject = { instances: embeddingInputs(body).map((content): JsonObject => (taskType ? { content, task_type: taskType } : { content })) };
  if (dimensions !== undefined) request.parameters = { outputDimensionality: dimensions };
  return request;
}

/** AI Studio does not report token counts for embeddings: usage is 0 rather than a guess. */
export function fromBatchEmbed(response: JsonObject, body: JsonObject, model: string): JsonObject {
  const embeddings = Array.isArray(response.embeddings) ? response.embeddings : [];
  const vectors = embeddings.map((e) => (isObject(e) && Array.isArray(e.values) ? e.values : []));
  return toList(vectors, body, model, 0);
}

/** Vertex reports tokens per instance in `embeddings.statistics.token_count`. */
export function fromPredict(response: JsonObject, body: JsonObject, model: string): JsonObject {
  const predictions = Array.isArray(response.predictions) ? response.predictions : [];
  let tokens = 0;
  const vectors = predictions.map((p) => {
    const e = isObject(p) && isObject(p.embeddings) ? p.embeddings : {};
    if (isObject(e.statistics) && typeof e.statistics.token_count === 'number') tokens += e.statistics.token_count;
    return Array.isArray(e.values) ? e.values : [];
  });
  return toList(vectors, body, model, tokens);
}

function toList(vectors: JsonValue[][], body: JsonObject, model: string, promptTokens: number): JsonObject {
  const base64 = body.encoding_format === 'base64';
  const data = vectors.map((values, index) => ({
    object: 'embedding',
    index,
    embedding: base64 ? Buffer.from(new Float32Array(values as number[]).buffer).toString('base64') : values,
  }));
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
