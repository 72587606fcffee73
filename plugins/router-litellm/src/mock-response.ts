/**
 * LiteLLM's `mock_response` and `mock_testing_fallbacks` request fields: answer without calling
 * the provider (a canned completion, or one of LiteLLM's exception names) so that routing,
 * fallbacks and clients can be tested end to end.
 */
import { UpstreamError, type Endpoint, type JsonObject, type ProviderResponse, type RoutableDeployment } from '@sluice/plugin-sdk';

const MOCK_ERRORS: Record<string, { status: number; code?: string; type: string; timeout?: boolean }> = {
  'litellm.RateLimitError': { status: 429, type: 'rate_limit_error' },
  'litellm.InternalServerError': { status: 500, type: 'api_error' },
  'litellm.APIError': { status: 500, type: 'api_error' },
  'litellm.ServiceUnavailableError': { status: 503, type: 'api_error' },
  'litellm.ContextWindowExceededError': { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' },
  'litellm.ContentPolicyViolationError': { status: 400, type: 'invalid_request_error', code: 'content_policy_violation' },
  'litellm.AuthenticationError': { status: 401, type: 'authentication_error' },
  'litellm.BadRequestError': { status: 400, type: 'invalid_request_error' },
  'litellm.NotFoundError': { status: 404, type: 'not_found_error' },
  'litellm.Timeout': { status: 504, type: 'timeout_error', timeout: true },
};

export function mockError(name: string, model: string): UpstreamError | undefined {
  const spec = MOCK_ERRORS[name];
  if (!spec) return undefined;
  const message = `${name}: mock_response for model=${model}`;
  return new UpstreamError(message, {
    status: spec.status,
    timeout: spec.timeout,
    body: { error: { message, type: spec.type, param: null, code: spec.code ?? spec.status } },
  });
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function mockAnswer(content: string, d: RoutableDeployment, endpoint: Endpoint, body: Readonly<JsonObject>, stream: boolean): ProviderResponse {
  const created = Math.floor(Date.now() / 1000);
  const id = `chatcmpl-mock-${created.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const prompt = JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '');
  const usage = { prompt_tokens: tokens(prompt), completion_tokens: tokens(content), total_tokens: tokens(prompt) + tokens(content) };
  if (endpoint === 'embeddings') {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return { kind: 'json', status: 200, body: { object: 'list', model: d.model, data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0, 0, 0] })), usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } } };
  }
  const chat = endpoint === 'chat';
  if (!stream) {
    const choice: JsonObject = chat ? { index: 0, message: { role: "assistant", content }, finish_reason: "stop" } : { index: 0, text: content, finish_reason: "stop", logprobs: null };
    return { kind: 'json', status: 200, body: { id, object: chat ? 'chat.completion' : 'text_completion', created, model: d.model, choices: [choice], usage } };
  }
  const base = { id, object: chat ? 'chat.completion.chunk' : 'text_completion', created, model: d.model };
  const chunks: JsonObject[] = [
    { ...base, choices: [chat ? { index: 0, delta: { role: 'assistant', content }, finish_reason: null } : { index: 0, text: content, finish_reason: null }] },
    { ...base, choices: [chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' }] },
    { ...base, choices: [], usage },
  ];
  async function* batches() {
    yield chunks.map((json) => ({ data: JSON.stringify(json), json }));
  }
  return { kind: 'stream', status: 200, batches: batches() };
}
