/**
 * Where an Azure OpenAI deployment lives and how it authenticates, resolved once per deployment at
 * config load: `litellm_params` first, the AZURE_* environment (read once at setup) as fallback.
 */
import { ENDPOINTS, OPENAI_PATHS, UpstreamError, type DeploymentConfig, type Endpoint, type SecretReader } from '@sluice/plugin-sdk';
import type { EntraCredentials } from './entra-token.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** LiteLLM's AZURE_DEFAULT_RESPONSES_API_VERSION: the v1 preview API that serves `/openai/responses`. */
export const AZURE_RESPONSES_API_VERSION = 'preview';

export interface AzureEnvironment {
  apiKey: string | undefined;
  apiBase: string | undefined;
  apiVersion: string | undefined;
  adToken: string | undefined;
  tenantId: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  authorityHost: string | undefined;
}

/** LiteLLM's variable names; AZURE_OPENAI_API_KEY is the official SDK's name for the key. Empty counts as unset. */
export async function readAzureEnvironment(secrets: SecretReader): Promise<AzureEnvironment> {
  const read = async (name: string) => (await secrets.get(name)) || undefined;
  return {
    apiKey: (await read('AZURE_API_KEY')) ?? (await read('AZURE_OPENAI_API_KEY')),
    apiBase: await read('AZURE_API_BASE'),
    apiVersion: await read('AZURE_API_VERSION'),
    adToken: await read('AZURE_AD_TOKEN'),
    tenantId: await read('AZURE_TENANT_ID'),
    clientId: await read('AZURE_CLIENT_ID'),
    clientSecret: await read('AZURE_CLIENT_SECRET'),
    authorityHost: await read('AZURE_AUTHORITY_HOST'),
  };
}

export type AzureAuth =
  | { kind: 'api-key'; key: string }
  /** A Microsoft Entra ID access token given as is (`azure_ad_token`); it is not refreshed. */
  | { kind: 'entra-token'; token: string }
  /** An app registration's client credentials, exchanged for tokens that rotate. */
  | { kind: 'entra-client-credentials'; credentials: EntraCredentials };

export interface AzureDeploymentSettings {
  auth: AzureAuth;
  /** Full URLs of a deployment name's endpoints, with `?api-version=`. */
  urlsFor(deploymentName: string): Record<Endpoint, string>;
  /** The resource URL without `/openai` (`https://<resource>.openai.azure.com`): pass-through paths go under it. */
  resourceRoot: string;
}

export function resolveAzureDeployment(d: DeploymentConfig, env: AzureEnvironment, defaultApiVersion: string): AzureDeploymentSettings {
  const apiBase = d.apiBase ?? env.apiBase;
  if (!apiBase) throw new Error(`azure deployment ${d.modelName} needs litellm_params.api_base (or AZURE_API_BASE), e.g. https://<resource>.openai.azure.com`);
  // Users paste the resource URL with or without the `/openai` segment; it appears once either way.
  const resourceRoot = apiBase.replace(/\/+$/, '').replace(/\/openai$/, '');
  const root = resourceRoot + '/openai/deployments/';
  const query = `?api-version=${encodeURIComponent(d.apiVersion ?? env.apiVersion ?? defaultApiVersion)}`;
  const urlsFor = (deploymentName: string): Record<Endpoint, string> => {
    const prefix = root + encodeURIComponent(deploymentName);
    const urls = {} as Record<Endpoint, string>;
    for (const e of ENDPOINTS) urls[e] = prefix + OPENAI_PATHS[e] + query;
    // The Responses API is served per resource, not per deployment: the deployment name goes in
    // the body's `model`. Only the deployment's own api_version applies, else `preview` (LiteLLM).
    urls.responses = `${resourceRoot}/openai/responses?api-version=${encodeURIComponent(d.apiVersion ?? AZURE_RESPONSES_API_VERSION)}`;
    return urls;
  };
  return { auth: resolveAuth(d, env), urlsFor, resourceRoot };
}

/**
 * What is set on the deployment wins over the environment; within each, an api-key beats an
 * Entra token, which beats client credentials (LiteLLM's order).
 */
function resolveAuth(d: DeploymentConfig, env: AzureEnvironment): AzureAuth {
  const p = d.params;
  if (d.apiKey) return { kind: 'api-key', key: d.apiKey };
  const adToken = stringParam(p.azure_ad_token);
  if (adToken) return { kind: 'entra-token', token: adToken };
  const authorityHost = (stringParam(p.azure_authority_host) ?? env.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
  const credentials = {
    tenantId: stringParam(p.tenant_id) ?? env.tenantId,
    clientId: stringParam(p.client_id) ?? env.clientId,
    clientSecret: stringParam(p.client_secret) ?? env.clientSecret,
  };
  const explicit = ['tenant_id', 'client_id', 'client_secret'].some((k) => stringParam(p[k]) !== undefined);
  if (explicit || (!env.apiKey && !env.adToken && credentials.tenantId)) {
    const { tenantId, clientId, clientSecret } = credentials;
    if (!tenantId || !clientId || !clientSecret) {
      throw new Error(`azure deployment ${d.modelName}: Microsoft Entra client credentials need tenant_id, client_id and client_secret (or AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)`);
    }
    return { kind: 'entra-client-credentials', credentials: { authorityHost, tenantId, clientId, clientSecret } };
  }
  if (env.apiKey) return { kind: 'api-key', key: env.apiKey };
  if (env.adToken) return { kind: 'entra-token', token: env.adToken };
  // A 401 for every call to this deployment (the kernel keeps it and fails its calls, as LiteLLM does).
  throw new UpstreamError(
    `azure deployment ${d.modelName} has no credential: set litellm_params.api_key, azure_ad_token or tenant_id/client_id/client_secret (or AZURE_API_KEY, AZURE_AD_TOKEN, AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)`,
    { status: 401 },
  );
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
