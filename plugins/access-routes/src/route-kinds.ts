/**
 * LiteLLM's two route kinds its DISABLE_*_ENDPOINTS switches act on (route_checks.py):
 * `is_management_route` (the management_routes group) and `is_llm_api_route` (OpenAI, Anthropic,
 * Google, MCP and agent call paths, their `{param}` forms, Azure's deployment paths, and any path
 * containing a mapped pass-through prefix such as `/anthropic` or `/bedrock`, as LiteLLM tests it).
 */
import { compileRouteRules, LITELLM_ROUTE_GROUPS } from '@sluice/plugin-sdk';

const management = compileRouteRules(['management_routes']);
const llmApi = compileRouteRules(['openai_routes', 'anthropic_routes', 'google_routes', 'mcp_inference_routes', 'agent_routes', 'litellm_native_routes']);
const AZURE = /^\/openai\/deployments\/[^/]+\/[^/]+\/chat\/completions$|^\/engines\/[^/]+\/chat\/completions$/;
const PASS_THROUGH = LITELLM_ROUTE_GROUPS.mapped_pass_through_routes!;

export function isManagementRoute(path: string): boolean {
  return management.matches(path);
}

export function isLlmApiRoute(path: string): boolean {
  if (llmApi.matches(path) || AZURE.test(path)) return true;
  for (const prefix of PASS_THROUGH) if (path.includes(prefix)) return true;
  return false;
}

/** LiteLLM's get_secret_bool: a boolean, or a string that reads `true` in any case. */
export function isOn(value: boolean | string | null | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}
