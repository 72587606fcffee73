/**
 * Errors of the Mistral plugin: requests refused before calling Mistral are coded 400 verdicts
 * (MISTRAL_*); Mistral's error answers become UpstreamErrors with an OpenAI-style body, prefixed
 * `MistralException - ` as LiteLLM reports them. Mistral's 422 validation answers carry a list of
 * `{loc, msg}` details, which are flattened into one readable message.
 */
import { definePluginErrors, UpstreamError, type JsonObject } from '@sluice/plugin-sdk';

export const MistralErrors = definePluginErrors('MISTRAL', {
  UNSUPPORTED_PARAMS: {
    status: 400,
    type: 'invalid_request_error',
    message:
      'mistral does not support parameters: {params}, for model={model}. To drop these, set `drop_params: true` in litellm_settings (or the deployment\'s litellm_params).',
  },
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error', message: '{detail}' },
});

export function invalid(param: string, detail: string): Error {
  return MistralErrors.INVALID_REQUEST({ detail: `${param}: ${detail}` }, { param });
}

const TYPE_OF_STATUS: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 422: 'invalid_request_error', 429: 'rate_limit_error' };

export function upstreamErrorOf(status: number, text: string, retryAfter: string | undefined, secret: string | undefined): UpstreamError {
  let message = text.trim().slice(0, 1000) || `HTTP ${status} with no body`;
  let type: string | undefined;
  try {
    const parsed = JSON.parse(text) as JsonObject;
    const m = parsed.message ?? (parsed.error as JsonObject | undefined)?.message ?? parsed.detail;
    message = typeof m === 'string' ? m : readableDetail(m) ?? message;
    if (typeof parsed.type === 'string') type = parsed.type;
  } catch {
    // not JSON: the text is the message
  }
  if (secret && secret.length >= 8) message = message.split(secret).join('[REDACTED]');
  const contextWindow = (status === 400 || status === 422) && /too large for model|context length|maximum context|too many tokens/i.test(message);
  return new UpstreamError(`mistral answered ${status}: ${message}`, {
    status,
    body: {
      error: {
        message: `MistralException - ${message}`,
        type: TYPE_OF_STATUS[status] ?? type ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
        param: null,
        code: contextWindow ? 'context_length_exceeded' : String(status),
      },
    },
    retryAfter,
  });
}

/** `{detail: [{loc: ['body', 'x'], msg: '…'}]}` → "body.x: …". */
function readableDetail(value: unknown): string | undefined {
  const detail = value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject).detail : value;
  if (!Array.isArray(detail)) return value === undefined ? undefined : JSON.stringify(value);
  return detail
    .map((d) => {
      const item = d as JsonObject;
      const loc = Array.isArray(item.loc) ? item.loc.join('.') : '';
      return `${loc}${loc ? ': ' : ''}${String(item.msg ?? '')}`;
    })
    .join('; ');
}
