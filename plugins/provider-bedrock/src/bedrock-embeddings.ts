/**
 * OpenAI embeddings through InvokeModel. Titan text models embed one text per call
 * (`{inputText}` → `{embedding, inputTextTokenCount}`), so inputs go out in parallel; Cohere
 * models take batches of up to 96 (`{texts, input_type}` → `{embeddings}`).
 */
import { UpstreamError, type JsonObject, type JsonValue } from '@sluice/plugin-sdk';
import { unsupported } from './bedrock-errors.js';
import { object } from './converse-content.js';

export type EmbeddingFamily = 'titan-v1' | 'titan-v2' | 'cohere-v3' | 'cohere-v4';

/** Answer of one InvokeModel call: the JSON body and Bedrock's input token count header. */
export interface InvokeResult {
  body: JsonObject;
  inputTokens: number | undefined;
}

export type Invoke = (payload: JsonObject) => Promise<InvokeResult>;

const COHERE_BATCH = 96;
const TITAN_PARALLEL = 8;

/** Which request shape a model id takes; cross-region profile prefixes (`us.`, `eu.`…) are skipped. */
export function embeddingFamily(modelId: string): EmbeddingFamily | undefined {
  const base = modelId.replace(/^(us|us-gov|eu|apac|jp|au|ca|global)\./, '');
  if (base.startsWith('amazon.titan-embed-text-v1')) return 'titan-v1';
  if (base.startsWith('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (base.startsWith('cohere.embed-v4')) return 'cohere-v4';
  if (base.startsWith('cohere.embed-')) return 'cohere-v3';
  return undefined;
}

export async function embed(body: JsonObject, family: EmbeddingFamily, model: string, invoke: Invoke): Promise<JsonObject> {
  const inputs = textsOf(body.input);
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined;
  const { vectors, tokens } = family.startsWith('titan') ? await titan(inputs, family, dimensions, invoke) : await cohere(inputs, family, dimensions, body, invoke);
  const base64 = body.encoding_format === 'base64';
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function textsOf(input: JsonValue | undefined): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw unsupported('input must not be empty', 'input');
  return list.map((item, i) => {
    // Token arrays are OpenAI-tokenizer ids; Bedrock's models read text only.
    if (typeof item !== 'string') throw unsupported(`input[${i}] must be a string (token arrays are not supported by Bedrock)`, 'input');
    return item;
  });
}

async function titan(inputs: string[], family: EmbeddingFamily, dimensions: number | undefined, invoke: Invoke): Promise<{ vectors: number[][]; tokens: number }> {
  if (dimensions !== undefined && family === 'titan-v1') throw unsupported('dimensions is not supported by amazon.titan-embed-text-v1 (v2 takes 256, 512 or 1024)', 'dimensions');
  const vectors = new Array<number[]>(inputs.length);
  let tokens = 0;
  // A few calls at a time: parallel enough for latency, gentle on the account's rate limit.
  for (let start = 0; start < inputs.length; start += TITAN_PARALLEL) {
    const slice = inputs.slice(start, start + TITAN_PARALLEL);
    const results = await Promise.all(
      slice.map((inputText) => invoke(dimensions === undefined ? { inputText } : { inputText, dimensions })),
    );
    results.forEach((r, k) => {
      vectors[start + k] = numbers(r.body.embedding, 'embedding');
      tokens += typeof r.body.inputTextTokenCount === 'number' ? r.body.inputTextTokenCount : (r.inputTokens ?? 0);
    });
  }
  return { vectors, tokens };
}

async function cohere(inputs: string[], family: EmbeddingFamily, dimensions: number | undefined, body: JsonObject, invoke: Invoke): Promise<{ vectors: number[][]; tokens: number }> {
  if (dimensions !== undefined && family === 'cohere-v3') throw unsupported('dimensions is not supported by Cohere v3 embedding models (cohere.embed-v4 takes it)', 'dimensions');
  // Cohere needs to know what the text is for; OpenAI clients do not say, so documents it is
  // unless the request names one (LiteLLM passes `input_type` through the same way).
  const inputType = typeof body.input_type === 'string' ? body.input_type : 'search_document';
  const vectors: number[][] = [];
  let tokens = 0;
  for (let start = 0; start < inputs.length; start += COHERE_BATCH) {
    const payload: JsonObject = { texts: inputs.slice(start, start + COHERE_BATCH), input_type: inputType };
    if (dimensions !== undefined) payload.output_dimension = dimensions;
    const r = await invoke(payload);
    // v3 answers an array of vectors; v4 (and v3 with embedding_types) an object keyed by type.
    const raw = Array.isArray(r.body.embeddings) ? r.body.embeddings : object(r.body.embeddings)?.float;
    if (!Array.isArray(raw)) throw badAnswer('embeddings');
    for (const v of raw) vectors.push(numbers(v, 'embeddings[]'));
    tokens += r.inputTokens ?? 0;
  }
  return { vectors, tokens };
}

function numbers(value: JsonValue | undefined, field: string): number[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'number')) throw badAnswer(field);
  return value as number[];
}

function badAnswer(field: string): UpstreamError {
  return new UpstreamError(`Bedrock answered an embedding call without a numeric ${field} array`, { status: 502 });
}

/** OpenAI's base64 encoding: the vector's float32 values, little-endian. */
export function float32Base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}
