/**
 * The proxy LiteLLM's own proxy tests talk to (`tests/test_keys.py` & co. run against
 * `proxy_server_config.yaml` with master key `sk-1234` and a fake OpenAI endpoint), rebuilt here
 * so the ported tests send the same requests to Sluice: same master key, same model names, an
 * OpenAI-compatible fake upstream behind them, and a `request()` that answers like aiohttp
 * (status + parsed JSON) so assertions read like the upstream ones.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

/** LiteLLM's tests use this master key everywhere. */
export const LITELLM_MASTER_KEY = 'sk-1234';

export interface LiteLLMProxy {
  url: string;
  gateway: TestGateway;
  upstream: MockOpenAI;
  /** `POST`/`GET`… with a bearer key; resolves to status, headers and the parsed JSON body (or text). */
  request(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<ProxyAnswer>;
  close(): Promise<void>;
}

export interface ProxyAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the ported tests index into LiteLLM's bodies as Python does
  body: any;
  text: string;
}

/** Model groups of LiteLLM's `proxy_server_config.yaml` that its proxy tests call, all served by one fake upstream. */
export function litellmTestModels(upstreamUrl: string): SluiceConfig['model_list'] {
  const openai = (model_name: string, model: string) => ({
    model_name,
    litellm_params: { model: `openai/${model}`, api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' },
  });
  return [
    openai('gpt-3.5-turbo', 'gpt-3.5-turbo'),
    openai('gpt-4', 'gpt-4'),
    openai('gpt-4o', 'gpt-4o'),
    // LiteLLM prices this deployment by the model its answer names (gpt-3.5-turbo), so its
    // budget tests see a cost; Sluice prices by deployment, hence gpt-3.5-turbo's price here.
    { ...openai('fake-openai-endpoint', 'fake'), model_info: { input_cost_per_token: 0.0000005, output_cost_per_token: 0.0000015 } },
    openai('fake-openai-endpoint-2', 'fake'),
    openai('text-embedding-ada-002', 'text-embedding-ada-002'),
    openai('mistral-embed', 'mistral-embed'),
    openai('dall-e-3', 'dall-e-3'),
  ] as SluiceConfig['model_list'];
}

/**
 * Starts Sluice as LiteLLM's proxy tests expect it. `extra` is merged over the base config
 * (`general_settings` and `litellm_settings` key by key); `env` reaches the gateway (e.g. a
 * Postgres `DATABASE_URL` from `DATABASE_BACKENDS`).
 */
export async function startLiteLLMProxy(
  extra: Partial<SluiceConfig> = {},
  env: Record<string, string> = {},
  /** Replaces the model list, given the fake upstream's URL (e.g. the base list plus a test's own names). */
  models: (upstreamUrl: string) => SluiceConfig['model_list'] = litellmTestModels,
): Promise<LiteLLMProxy> {
  // Real providers give each response its own id; LiteLLM's tests look spend logs up by it.
  const upstream = await startMockOpenAI({ uniqueIds: true });
  const base: SluiceConfig = {
    model_list: models(upstream.url),
    general_settings: { master_key: LITELLM_MASTER_KEY },
  };
  const config = {
    ...base,
    ...extra,
    general_settings: { ...base.general_settings, ...(extra.general_settings ?? {}) },
    ...((base.litellm_settings ?? extra.litellm_settings) && { litellm_settings: { ...(base.litellm_settings ?? {}), ...(extra.litellm_settings ?? {}) } }),
  } as SluiceConfig;
  const gateway = await startGateway(config, { env });
  const request: LiteLLMProxy['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key !== '') headers.authorization = `Bearer ${opts.key ?? LITELLM_MASTER_KEY}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(gateway.url + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: the text itself */
    }
    return { status: res.status, headers: res.headers, body, text };
  };
  return {
    url: gateway.url,
    gateway,
    upstream,
    request,
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}
