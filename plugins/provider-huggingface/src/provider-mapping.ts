/**
 * Which id an inference provider knows a Hub model by: LiteLLM asks the Hub once per model
 * (`GET /api/models/<model>?expand[]=inferenceProviderMapping`) and sends the provider's id as
 * `model`. Answers are cached for the gateway's life; a failed lookup is not, so it is retried.
 */
import { UpstreamError, httpTarget, type HttpClient } from '@sluice/plugin-sdk';
import { hfError } from './hf-errors.js';

export interface ProviderMapping {
  providerId: string;
  status: string | undefined;
}

export class ProviderMappings {
  private readonly cache = new Map<string, Map<string, ProviderMapping>>();

  constructor(
    private readonly http: HttpClient,
    private readonly hubUrl: string,
  ) {}

  async providerModel(modelId: string, provider: string, apiKey: string | undefined, timeoutMs: number): Promise<string> {
    let mapping = this.cache.get(modelId);
    if (!mapping) {
      mapping = await this.fetch(modelId, apiKey, timeoutMs);
      this.cache.set(modelId, mapping);
    }
    const entry = mapping.get(provider);
    if (!entry) throw hfError(404, `Model ${modelId} is not supported for provider ${provider}`);
    return entry.providerId;
  }

  private async fetch(modelId: string, apiKey: string | undefined, timeoutMs: number): Promise<Map<string, ProviderMapping>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const res = await this.http.request(httpTarget(`${this.hubUrl}/api/models/${modelId}?expand[]=inferenceProviderMapping`), {
      method: 'GET',
      headers,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
    const text = await res.body.text().catch(() => '');
    if (res.status >= 400) throw hfError(res.status, `Failed to fetch provider mapping: ${res.status} ${text.slice(0, 300)}`);
    let raw: unknown;
    try {
      raw = (JSON.parse(text) as { inferenceProviderMapping?: unknown }).inferenceProviderMapping;
    } catch {
      throw new UpstreamError(`the Hugging Face Hub answered a non-JSON body for ${modelId}`, { status: 502 });
    }
    if (!raw || typeof raw !== 'object') throw hfError(404, `No provider mapping found for model ${modelId}`);
    // The Hub answers an object keyed by provider, or (newer) a list of {provider, providerId, …}.
    const out = new Map<string, ProviderMapping>();
    const entries: [string, Record<string, unknown>][] = Array.isArray(raw)
      ? (raw as Record<string, unknown>[]).map((m) => [String(m.provider), m])
      : Object.entries(raw as Record<string, Record<string, unknown>>);
    for (const [provider, m] of entries) {
      if (typeof m?.providerId === 'string') out.set(provider, { providerId: m.providerId, status: typeof m.status === 'string' ? m.status : undefined });
    }
    return out;
  }
}
