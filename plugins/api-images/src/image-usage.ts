/**
 * The priced units of an images call, in `usage` so `ModelCallResult.price` prices them (the
 * pricing plugin's image rules): images asked for (`n`) and returned (`images`), `size`,
 * `quality` and Stability's `steps` as the request gave them (OpenAI's defaults when not), and gpt-image's token usage
 * in OpenAI's chat names when the answer reports it (`input_tokens` → `prompt_tokens`…).
 */
import type { JsonObject, Usage } from '@sluice/plugin-sdk';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

export function imageUsage(answer: JsonObject, params: JsonObject): Usage {
  const reported = answer.usage && typeof answer.usage === 'object' && !Array.isArray(answer.usage) ? (answer.usage as JsonObject) : undefined;
  const prompt = num(reported?.input_tokens) ?? num(reported?.prompt_tokens) ?? 0;
  const completion = num(reported?.output_tokens) ?? num(reported?.completion_tokens) ?? 0;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(reported?.total_tokens) ?? prompt + completion,
    images: Array.isArray(answer.data) ? answer.data.length : 0,
    n: typeof params.n === 'number' && params.n > 0 ? params.n : 1,
    size: typeof params.size === 'string' ? params.size : '1024x1024',
    quality: typeof params.quality === 'string' ? params.quality : 'standard',
  };
  if (typeof params.steps === 'number') usage.steps = params.steps;
  const details = reported?.input_tokens_details;
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    const text = num(details.text_tokens);
    const image = num(details.image_tokens);
    usage.prompt_tokens_details = { ...(text !== undefined && { text_tokens: text }), ...(image !== undefined && { image_tokens: image }) };
  }
  return usage;
}
