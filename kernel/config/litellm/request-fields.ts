/**
 * LiteLLM request fields no Sluice plugin acts on (yet), which LiteLLM never forwards to a
 * provider: a LiteLLM client sending them must not get a provider's "unknown parameter" error.
 * The fields plugins act on (`fallbacks`, `guardrails`, `mock_response`…) are declared in their
 * plugin.json (`requestFields`).
 */
export const LITELLM_REQUEST_FIELDS: readonly string[] = ['litellm_metadata', 'proxy_server_request', 'caching', 'cache', 'tags'];
