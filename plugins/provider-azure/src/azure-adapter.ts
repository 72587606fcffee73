/**
 * Azure OpenAI on the SDK's OpenAI-compatible adapter. The base takes fixed URLs and headers, so
 * this wrapper keeps one base adapter per (deployment name, credential) and builds a new one only
 * when either changes: when an Entra token rotates (about hourly) or, for a wildcard deployment
 * (`azure/*`), for each deployment name it is asked for.
 */
import {
  createOpenAICompatibleAdapter,
  type DeploymentConfig,
  type HttpClient,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { toAzureError } from './azure-errors.js';
import type { AzureDeploymentSettings } from './azure-settings.js';
import type { EntraTokenSource } from './entra-token.js';
import { createAzureForward } from './forward-request.js';
import { withoutPromptFilterEvents } from './prompt-filter-stream.js';

export interface AzureAdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  settings: AzureDeploymentSettings;
  /** Present when the deployment authenticates with client credentials. */
  tokens: EntraTokenSource | undefined;
}

/** Bounds the per-name adapters of a wildcard deployment, whose names come from clients. */
const MAX_WILDCARD_NAMES = 256;

export function createAzureAdapter({ http, deployment, settings, tokens }: AzureAdapterOptions): ProviderAdapter {
  const wildcard = deployment.model.includes('*');
  const auth = settings.auth;
  const staticHeaders: Record<string, string> | undefined =
    auth.kind === 'api-key' ? { 'api-key': auth.key } : auth.kind === 'entra-token' ? { authorization: `Bearer ${auth.token}` } : undefined;

  const build = (name: string, headers: Record<string, string>): ProviderAdapter =>
    createOpenAICompatibleAdapter({ http, deployment, apiBase: '', apiKey: undefined, urls: settings.urlsFor(name), authHeaders: headers });

  let token: string | undefined;
  const byName = new Map<string, ProviderAdapter>();
  if (staticHeaders && !wildcard) byName.set(deployment.model, build(deployment.model, staticHeaders));

  const adapterFor = async (name: string): Promise<ProviderAdapter> => {
    let headers = staticHeaders;
    if (tokens) {
      const current = await tokens.token();
      if (current !== token) {
        token = current;
        byName.clear();
      }
      headers = { authorization: `Bearer ${current}` };
    }
    let adapter = byName.get(name);
    if (!adapter) {
      if (byName.size >= MAX_WILDCARD_NAMES) byName.clear();
      adapter = build(name, headers!);
      byName.set(name, adapter);
    }
    return adapter;
  };

  return {
    forward: createAzureForward(http, deployment, settings, tokens),
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      // The kernel puts the upstream model in the body: for `azure/*` that is the client's name.
      const name = wildcard ? String(req.body.model) : deployment.model;
      let res: ProviderResponse;
      try {
        res = await (await adapterFor(name)).call(req);
      } catch (err) {
        throw toAzureError(err);
      }
      return res.kind === 'sse' ? { kind: 'sse', status: res.status, body: withoutPromptFilterEvents(res.body) } : res;
    },
  };
}
