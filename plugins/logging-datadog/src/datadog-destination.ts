/**
 * Where a Datadog log goes, decided LiteLLM's way (DataDogLogger.__init__ and DataDogHandler):
 *   - an Agent host (`dd_agent_host`, env LITELLM_DD_AGENT_HOST): http://<host>:<port>/api/v2/logs,
 *     the API key optional;
 *   - else the site: https://http-intake.logs.<dd_site>/api/v2/logs, key and site required;
 *   - DD_BASE_URL replaces either with <base>/api/v2/logs.
 * A team's or key's `callback_vars` (dd_api_key, dd_site, dd_agent_host, dd_agent_port) override the
 * gateway's; when they name their own host or site, the gateway's DD_API_KEY is never sent there
 * (LiteLLM's allow_env_credentials=False): a team admin cannot collect the operator's key.
 */
import type { IntakeDestination } from './datadog-intake.js';

export interface DatadogEndpointSettings {
  dd_api_key?: string;
  dd_site?: string;
  dd_agent_host?: string;
  dd_agent_port?: string | number;
  dd_base_url?: string;
}

export type DestinationResult = { ok: true; destination: IntakeDestination } | { ok: false; reason: string };

/** The callback_vars a team or key may set for Datadog. */
export const DATADOG_VARS = ['dd_api_key', 'dd_site', 'dd_agent_host', 'dd_agent_port'] as const;

/** Environment variables a team's `os.environ/` reference may name: Datadog's own. */
export const isDatadogEnvName = (name: string): boolean => /^(DD_|LITELLM_DD_)[A-Z0-9_]+$/.test(name);

export function resolveDestination(gateway: DatadogEndpointSettings, vars?: Readonly<Record<string, string>>): DestinationResult {
  const own = vars ?? {};
  const allowGatewayKey = own.dd_agent_host === undefined && own.dd_site === undefined;
  const apiKey = own.dd_api_key ?? (allowGatewayKey ? gateway.dd_api_key : undefined);
  const agentHost = own.dd_agent_host ?? gateway.dd_agent_host;
  let url: string;
  if (agentHost) {
    const port = own.dd_agent_port ?? gateway.dd_agent_port ?? '10518';
    url = `http://${agentHost}:${port}/api/v2/logs`;
  } else {
    const site = own.dd_site ?? gateway.dd_site;
    if (!apiKey) return { ok: false, reason: "DD_API_KEY is not set, set 'DD_API_KEY=<>'" };
    if (!site) return { ok: false, reason: "DD_SITE is not set, set 'DD_SITE=<>'" };
    url = `https://http-intake.logs.${site}/api/v2/logs`;
  }
  if (gateway.dd_base_url) url = `${gateway.dd_base_url.replace(/\/+$/, '')}/api/v2/logs`;
  try {
    new URL(url);
  } catch {
    return { ok: false, reason: `the intake URL ${url} is not a valid URL` };
  }
  return { ok: true, destination: { url, ...(apiKey && { apiKey }) } };
}

/** Only the Datadog variables of a party's callback_vars (other integrations' vars share the list). */
export function datadogVars(vars: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of DATADOG_VARS) if (vars[k] !== undefined && vars[k] !== '') out[k] = vars[k];
  return out;
}
