/**
 * The kernel's error registry. Every client-visible error the kernel raises is declared here, with
 * its HTTP status, OpenAI `type` and message. Messages that LiteLLM clients match on are LiteLLM's.
 */
import { definePluginErrors, isVerdict, SluiceError, UpstreamError, verdictEnvelope, type ErrorEnvelope } from '@sluice/plugin-sdk';

export const KernelErrors = definePluginErrors('SLUICE_ERR', {
  REQUEST_MALFORMED_JSON: {
    status: 400,
    type: 'invalid_request_error',
    message:
      'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.) {detail}',
  },
  REQUEST_NOT_OBJECT: { status: 400, type: 'invalid_request_error', message: 'The request body must be a JSON object.' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    message: "Unsupported Content-Type '{contentType}'. Send 'application/json'.",
  },
  REQUEST_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: 'Request body is larger than the limit of {limit} bytes.' },
  REQUEST_TOO_DEEP: { status: 400, type: 'invalid_request_error', message: 'The JSON body is nested deeper than {limit} levels (server.json_max_depth).' },
  REQUEST_STRING_TOO_LONG: {
    status: 400,
    type: 'invalid_request_error',
    message: 'A string in the JSON body is longer than {limit} characters (server.json_max_string_length).',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    type: 'invalid_request_error',
    message: 'The request was not received in time (server.headers_timeout_ms, server.request_timeout_ms); the connection is closed.',
  },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error', message: 'The request headers are larger than the server accepts.' },
  REQUEST_MALFORMED_HTTP: { status: 400, type: 'invalid_request_error', message: 'The HTTP request could not be parsed.' },
  REQUEST_TOO_MANY_CONNECTIONS: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many open connections from this address (server.max_connections_per_ip is {limit}).',
  },
  REQUEST_MISSING_PARAM: { status: 400, type: 'invalid_request_error', message: "Missing required parameter: '{param}'." },
  REQUEST_INVALID_PARAM: { status: 400, type: 'invalid_request_error', message: "Invalid value for '{param}': {reason}" },
  MODEL_NOT_FOUND: {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    message: '{route}: Invalid model name passed in model={model}. Call `/v1/models` to view available models for your key.',
  },
  ROUTER_NO_DEPLOYMENTS: {
    status: 429,
    type: 'rate_limit_error',
    message: 'No deployments available for selected model, Try again in {seconds} seconds. Passed model={model}. Every deployment is cooling down or has used its rpm/tpm limit.',
  },
  ENDPOINT_NOT_SUPPORTED: {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    message: 'Model {model} does not support {endpoint}.',
  },
  AUTH_MISSING_KEY: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error, No api key passed in.' },
  /** LiteLLM's wording (user_api_key_auth: an Authorization header without the `Bearer ` scheme). */
  AUTH_MALFORMED_KEY: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
  },
  AUTH_INVALID_KEY: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, Invalid proxy server token passed. Received API Key = {masked}',
  },
  AUTH_FORBIDDEN: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, role {role} is not allowed to call {route}.',
  },
  /** A state-changing request authenticated by the UI session cookie without the matching CSRF header. */
  AUTH_CSRF: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, a request made with the session cookie must send the x-sluice-csrf header equal to the sluice_csrf cookie (CSRF protection).',
  },
  ROUTE_NOT_FOUND: { status: 404, type: 'invalid_request_error', message: 'Unknown route: {method} {url}' },
  UPSTREAM_ERROR: { status: 502, type: 'api_error', message: 'Upstream provider error ({provider} {status}): {detail}' },
  UPSTREAM_UNREACHABLE: { status: 502, type: 'api_error', message: 'Could not reach the upstream provider {provider}: {detail}' },
  UPSTREAM_TIMEOUT: {
    status: 504,
    type: 'timeout_error',
    message: 'Request timed out: the upstream provider {provider} did not answer within {timeoutMs} ms.',
  },
  UPSTREAM_BAD_RESPONSE: { status: 502, type: 'api_error', message: 'The upstream provider {provider} sent an unreadable response: {detail}' },
  PLUGIN_FAILED: {
    status: 500,
    type: 'internal_server_error',
    message: 'Plugin {plugin} failed in {hook}; the request was refused (fail-closed).',
  },
  CLIENT_CLOSED: { status: 499, type: 'client_closed_request', message: 'The client closed the connection before the response was complete.' },
  SHUTTING_DOWN: { status: 503, type: 'service_unavailable', message: 'The gateway is shutting down; retry on another instance.' },
  /** A provider pass-through (RouteRequest.forward) for a provider with no deployment and no environment credentials. */
  FORWARD_NO_DEPLOYMENT: {
    status: 404,
    type: 'not_found_error',
    message: 'No deployment can serve {provider} pass-through requests: add a {provider} deployment to model_list or set its credentials in the environment.',
  },
  /** `RouteRequest.forward` to a deployment by id that was removed (or has no pass-through). */
  FORWARD_DEPLOYMENT_GONE: { status: 404, type: 'not_found_error', message: 'The deployment that holds this object is no longer served, or serves no pass-through requests ({detail}).' },
  /** A model_list deployment that could not be built (kernel/models/deployments.ts): the detail says why. */
  DEPLOYMENT_UNAVAILABLE: { status: 500, type: 'internal_server_error', message: '{detail} (the deployment could not be built at startup)' },
  INTERNAL: { status: 500, type: 'internal_server_error', message: 'Internal error (request id {requestId}).' },
});

export type KernelErrorCode = (typeof KernelErrors)[keyof typeof KernelErrors]['code'];

/** `sk-1234…abcd` style masking for messages that echo a credential back. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}...${key.slice(-4)}`;
}

/** Client-facing form of an upstream error: 4xx keep their status and message, 5xx become 502. */
export function fromUpstream(err: UpstreamError, provider: string, timeoutMs: number): SluiceError {
  if (err.timeout) return KernelErrors.UPSTREAM_TIMEOUT({ provider, timeoutMs });
  if (err.status === 0) return KernelErrors.UPSTREAM_UNREACHABLE({ provider, detail: err.message });
  if (err.status >= 500) return KernelErrors.UPSTREAM_ERROR({ provider, status: err.status, detail: upstreamMessage(err) });
  const upstream = upstreamEnvelope(err.body);
  const headers: Record<string, string> | undefined = err.retryAfter ? { 'retry-after': err.retryAfter } : undefined;
  return new SluiceError(
    'SLUICE_ERR_UPSTREAM_REJECTED',
    { status: err.status, type: upstream?.type ?? typeForStatus(err.status), message: '', envelopeCode: String(upstream?.code ?? err.status) },
    upstream?.message ?? upstreamMessage(err),
    { param: upstream?.param ?? null, headers },
  );
}

function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return 'invalid_request_error';
}

function upstreamEnvelope(body: unknown): { message: string; type?: string; param?: string | null; code?: string | number | null } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as { error?: unknown }).error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    const e = error as { message: string; type?: unknown; param?: unknown; code?: unknown };
    return {
      message: e.message,
      type: typeof e.type === 'string' ? e.type : undefined,
      param: typeof e.param === 'string' ? e.param : null,
      code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
    };
  }
  if (typeof error === 'string') return { message: error };
  return undefined;
}

function upstreamMessage(err: UpstreamError): string {
  return upstreamEnvelope(err.body)?.message ?? err.message;
}

/** Any thrown value → the error the client sees. Unknown errors never leak their message. */
export function toClientError(err: unknown, requestId: string): SluiceError {
  if (isVerdict(err)) return err;
  return KernelErrors.INTERNAL({ requestId }, { cause: err });
}

export function envelopeOf(err: SluiceError): ErrorEnvelope {
  return verdictEnvelope(err);
}
