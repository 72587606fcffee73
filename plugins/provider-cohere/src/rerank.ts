/**
 * Rerank on Cohere, as LiteLLM chooses the API version: `/v2/rerank` unless the deployment's
 * api_base ends in `/v1/rerank`, or the request uses v1's `max_chunks_per_doc` (and not v2's
 * `max_tokens_per_doc`) against an api_base that does not end in `/v2/rerank`. The answer is
 * Cohere's own shape, which is LiteLLM's rerank response: `{id, results, meta}`.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

export function usesV1Rerank(apiBase: string | undefined, body: JsonObject): boolean {
  if (!apiBase) return false;
  const base = apiBase.replace(/\/+$/, '');
  const v1Params = body.max_chunks_per_doc != null && body.max_tokens_per_doc == null;
  return base.endsWith('/v1/rerank') || (v1Params && !base.endsWith('/v2/rerank'));
}

export function toRerankRequest(body: JsonObject, model: string, v1: boolean): JsonObject {
  const out: JsonObject = { model, query: body.query! };
  if (v1) {
    out.documents = body.documents!;
    for (const key of ['top_n', 'rank_fields', 'return_documents', 'max_chunks_per_doc']) if (body[key] != null) out[key] = body[key]!;
    // LiteLLM's default: documents come back with their results.
    if (out.return_documents === undefined) out.return_documents = true;
    return out;
  }
  // v2 takes strings only: a structured document is sent as YAML-like `key: value` lines (Cohere's advice).
  const fields = Array.isArray(body.rank_fields) ? (body.rank_fields as JsonValue[]).map(String) : undefined;
  out.documents = (body.documents as JsonValue[]).map((d) => (typeof d === 'string' ? d : documentText(d as JsonObject, fields)));
  for (const key of ['top_n', 'max_tokens_per_doc', 'priority']) if (body[key] != null) out[key] = body[key]!;
  return out;
}

function documentText(doc: JsonObject, fields: string[] | undefined): string {
  const keys = fields ?? Object.keys(doc);
  return keys
    .filter((k) => doc[k] !== undefined)
    .map((k) => `${k}: ${typeof doc[k] === 'string' ? doc[k] : JSON.stringify(doc[k])}`)
    .join('\n');
}

/**
 * v2 answers without the documents; with `return_documents` (LiteLLM's default: true) each result
 * gets its document back, as v1 answers: `{text}` for a string, the object as sent otherwise.
 */
export function withDocuments(res: JsonObject, body: JsonObject): JsonObject {
  if (body.return_documents === false || !Array.isArray(res.results)) return res;
  const docs = body.documents as JsonValue[];
  const results = res.results.map((r) => {
    const result = r as JsonObject;
    if (result.document !== undefined || typeof result.index !== 'number') return result;
    const doc = docs[result.index];
    return doc === undefined ? result : { ...result, document: typeof doc === 'string' ? { text: doc } : doc };
  });
  return { ...res, results };
}
