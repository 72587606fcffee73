/**
 * Errors: Sluice's own refusals (a request Ollama cannot express) are coded 400s; Ollama's
 * `{"error": "..."}` answers become UpstreamErrors carrying an OpenAI envelope.
 */
import { UpstreamError, definePluginErrors, type HttpResponse } from '@sluice/plugin-sdk';

export const OllamaErrors = definePluginErrors('OLLAMA', {
  UNSUPPORTED_PARAM: {
    status: 400,
    type: 'invalid_request_error',
    message: "Ollama does not support {param}: {reason}. Remove it, or set drop_params: true (litellm_settings or the deployment's litellm_params) to drop it.",
  },
  /** Input that has no Ollama form at all; dropping it would change the request's meaning. */
  UNSUPPORTED_INPUT: { status: 400, type: 'invalid_request_error', message: 'Ollama cannot take this {param}: {reason}' },
  INVALID_MESSAGE: { status: 400, type: 'invalid_request_error', param: 'messages', message: 'messages[{index}]: {reason}' },
  IMAGE_UNREADABLE: { status: 400, type: 'invalid_request_error', param: 'messages', message: 'Could not read an image_url for Ollama: {reason}' },
});

/** Ollama has no error codes; these messages are how it says the prompt does not fit. */
const CONTEXT_MESSAGE = /context length|context window|maximum context|exceeds the (maximum )?(input|context)/i;

export async function upstreamError(res: HttpResponse): Promise<UpstreamError> {
  const text = await res.body.text().catch(() => '');
  return errorFromMessage(res.status, messageOf(text) ?? `Ollama answered ${res.status}`, header(res.headers['retry-after']));
}

/** Also for an `{"error": ...}` line inside a stream, which arrives after a 200. */
export function errorFromMessage(status: number, message: string, retryAfter?: string): UpstreamError {
  if ((status === 400 || status >= 500) && CONTEXT_MESSAGE.test(message)) {
    return new UpstreamError(message, { status: 400, body: envelope(message, 'invalid_request_error', 'context_length_exceeded') });
  }
  const [type, code] = TYPE_AND_CODE[status] ?? (status >= 500 ? ['api_error', status] : ['invalid_request_error', status]);
  return new UpstreamError(message, { status, body: envelope(message, type, code), retryAfter });
}

const TYPE_AND_CODE: Record<number, [string, string | number]> = {
  400: ['invalid_request_error', 400],
  401: ['authentication_error', 401],
  403: ['permission_error', 403],
  // Ollama's 404 is "model 'x' not found, try pulling it first".
  404: ['not_found_error', 'model_not_found'],
  429: ['rate_limit_error', 429],
};

function envelope(message: string, type: string, code: string | number) {
  return { error: { message, type, param: null, code } };
}

function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (body.error && typeof body.error === 'object' && typeof (body.error as { message?: unknown }).message === 'string') {
      return (body.error as { message: string }).message;
    }
  } catch {
    // not JSON: a proxy's HTML or plain text
  }
  return text.trim().slice(0, 1000) || undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
