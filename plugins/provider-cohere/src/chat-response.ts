/** Cohere v2 chat answer → OpenAI `chat.completion`. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

/** Cohere finish reasons → OpenAI's (LiteLLM's map_finish_reason). */
export function finishReasonOf(reason: unknown): string {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR_TOXIC':
      return 'content_filter';
    default: // COMPLETE, STOP_SEQUENCE, ERROR, TIMEOUT
      return 'stop';
  }
}

/** v2 usage: the counted tokens (`usage.tokens`), as LiteLLM reports them; billed units when absent. */
export function usageOf(usage: JsonValue | undefined): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const u = (usage ?? {}) as JsonObject;
  const tokens = (u.tokens ?? u.billed_units ?? {}) as JsonObject;
  const prompt = typeof tokens.input_tokens === 'number' ? tokens.input_tokens : 0;
  const completion = typeof tokens.output_tokens === 'number' ? tokens.output_tokens : 0;
  const out: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: JsonObject } = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (typeof u.cached_tokens === 'number') out.prompt_tokens_details = { cached_tokens: u.cached_tokens };
  return out;
}

export function toChatCompletion(res: JsonObject, model: string, created: number): JsonObject {
  const message = (res.message ?? {}) as JsonObject;
  const text = Array.isArray(message.content)
    ? message.content.map((c) => ((c as JsonObject)?.type === 'text' || (c as JsonObject)?.text !== undefined ? String((c as JsonObject).text ?? '') : '')).join('')
    : '';
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const out: JsonObject = { role: 'assistant', content: toolCalls.length > 0 && text === '' ? null : text };
  if (toolCalls.length > 0) {
    out.tool_calls = toolCalls.map((c) => {
      const call = c as JsonObject;
      const fn = (call.function ?? {}) as JsonObject;
      return { id: String(call.id ?? ''), type: 'function', function: { name: String(fn.name ?? ''), arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) } };
    });
  }
  const annotations = citationAnnotations(message.citations);
  if (annotations.length > 0) out.annotations = annotations;
  return {
    id: typeof res.id === 'string' ? res.id : `chatcmpl-${created}`,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: out, finish_reason: toolCalls.length > 0 && res.finish_reason === 'COMPLETE' ? 'tool_calls' : finishReasonOf(res.finish_reason), logprobs: null }],
    usage: usageOf(res.usage),
  };
}

/** Cohere's document citations → OpenAI `url_citation` annotations, one per source (as LiteLLM does). */
function citationAnnotations(citations: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(citations)) return [];
  const out: JsonValue[] = [];
  for (const c of citations) {
    const citation = c as JsonObject;
    for (const s of Array.isArray(citation.sources) ? citation.sources : []) {
      const source = s as JsonObject;
      if (source?.type !== 'document' || !source.document) continue;
      const doc = source.document as JsonObject;
      out.push({
        type: 'url_citation',
        url_citation: {
          start_index: typeof citation.start === 'number' ? citation.start : 0,
          end_index: typeof citation.end === 'number' ? citation.end : 0,
          title: typeof doc.title === 'string' ? doc.title : '',
          url: typeof source.url === 'string' ? source.url : `source:${String(source.id ?? 'unknown')}`,
        },
      });
    }
  }
  return out;
}
