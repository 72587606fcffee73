/** The headers LiteLLM's proxy adds to an audio answer (`get_custom_headers`), plus the preCall plugins' own. */
import type { AdmittedCall, ModelCallResult } from '@sluice/plugin-sdk';

/** `cost` is undefined for a stream, whose price is known only at its end. */
export function answerHeaders(requestId: string, admitted: AdmittedCall, result: ModelCallResult, cost: number | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    ...admitted.headers,
    'x-litellm-call-id': requestId,
    'x-litellm-model-id': result.deployment.id,
  };
  if (cost !== undefined) headers['x-litellm-response-cost'] = String(cost);
  if (result.attemptedFallbacks) headers['x-litellm-attempted-fallbacks'] = String(result.attemptedFallbacks);
  if (result.attemptedRetries) headers['x-litellm-attempted-retries'] = String(result.attemptedRetries);
  return headers;
}
