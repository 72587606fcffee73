/** Shared by this plugin's gateway tests: the gateway, keys, and spend rows polled until written. */
import { expect } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';

/**
 * The other API-family plugins, switched off here: they are written alongside this one, and a
 * gateway that cannot load one of them would fail every test of this plugin.
 */
const OTHER_API_PLUGINS_OFF = ['api-anthropic-messages', 'api-files-batches', 'api-images', 'api-moderations', 'api-responses', 'pass-through-providers'].map((use) => ({
  use,
  enabled: false,
}));

export const UPSTREAM_KEY = 'sk-upstream-audio-secret-4242';
export const AZURE_API_VERSION = '2024-06-01';

/** A gateway whose audio models all go to the fake at `upstreamUrl`, with spend logs flushed quickly. */
export function audioGateway(upstreamUrl: string, audioConfig: Record<string, unknown> = {}, extra: Partial<SluiceConfig> = {}): Promise<TestGateway> {
  const openai = (model_name: string, model: string) => ({ model_name, litellm_params: { model: `openai/${model}`, api_base: `${upstreamUrl}/v1`, api_key: UPSTREAM_KEY } });
  // Azure deployments are priced through base_model, as LiteLLM's docs configure them.
  const azure = (model_name: string, deployment: string, base_model: string) => ({
    model_name,
    litellm_params: { model: `azure/${deployment}`, api_base: upstreamUrl, api_key: UPSTREAM_KEY, api_version: AZURE_API_VERSION },
    model_info: { base_model },
  });
  return startGateway({
    model_list: [
      openai('whisper', 'whisper-1'),
      openai('gpt-4o-transcribe', 'gpt-4o-transcribe'),
      openai('tts', 'tts-1'),
      openai('mini-tts', 'gpt-4o-mini-tts'),
      azure('azure-whisper', 'my-whisper', 'azure/whisper-1'),
      azure('azure-tts', 'my-tts', 'azure/tts-1'),
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'api-audio', config: audioConfig }, { use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, ...OTHER_API_PLUGINS_OFF],
    ...extra,
  } as SluiceConfig);
}

export async function newKey(gw: TestGateway, body: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
}

export interface SpendRow {
  call_type: string;
  spend: number;
  model: string;
  status: string;
  model_id: string;
  prompt_tokens: number;
  completion_tokens: number;
  [key: string]: unknown;
}

/** The key's spend log rows, once `count` are written (spend is written in batches, off the request path). */
export async function spendRows(gw: TestGateway, key: string, count = 1): Promise<SpendRow[]> {
  let rows: SpendRow[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${gw.url}/spend/logs?api_key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    rows = res.status === 200 ? ((await res.json()) as SpendRow[]) : [];
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} spend rows for the key, found ${rows.length}`);
}
