/** A gateway with image and moderation deployments on the fake OpenAI API, virtual keys and spend rows. */
import { expect } from 'vitest';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { startFakeImagesApi, type FakeImagesApi } from './fake-images-api.js';

export const UPSTREAM_KEY = 'sk-upstream-images-5678';

/**
 * The other API-family plugins, switched off here: they are written alongside this one, and a
 * gateway that cannot load one of them would fail every test of this plugin.
 */
const OTHER_API_PLUGINS_OFF = ['api-anthropic-messages', 'api-audio', 'api-files-batches', 'api-responses', 'pass-through-providers'].map((use) => ({ use, enabled: false }));

export interface PluginConfigs {
  images?: Record<string, unknown>;
  moderations?: Record<string, unknown>;
}

export interface ImagesSetup {
  gw: TestGateway;
  fake: FakeImagesApi;
  close(): Promise<void>;
}

export async function startImagesGateway(configs: PluginConfigs = {}, extra: Partial<SluiceConfig> = {}): Promise<ImagesSetup> {
  const fake = await startFakeImagesApi(UPSTREAM_KEY);
  const openai = (model_name: string, model: string) => ({ model_name, litellm_params: { model: `openai/${model}`, api_base: fake.url, api_key: UPSTREAM_KEY } });
  const gw = await startGateway({
    model_list: [openai('dall-e-3', 'dall-e-3'), openai('dall-e-2', 'dall-e-2'), openai('gpt-image-1', 'gpt-image-1'), openai('omni-moderation-latest', 'omni-moderation-latest')],
    plugins: [
      { use: 'api-images', config: configs.images ?? {} },
      { use: 'api-moderations', config: configs.moderations ?? {} },
      { use: 'spend-logs@^1', config: { flush_interval_ms: 50 } },
      ...OTHER_API_PLUGINS_OFF,
    ],
    ...extra,
    general_settings: { master_key: MASTER_KEY, ...(extra.general_settings ?? {}) },
  } as SluiceConfig);
  return {
    gw,
    fake,
    close: async () => {
      await gw.close();
      await fake.close();
    },
  };
}

export function client(gw: TestGateway, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
}

export async function generateKey(gw: TestGateway, body: Record<string, unknown> = {}): Promise<string> {
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
  [key: string]: unknown;
}

/** The key's spend rows once `count` are written (spend is written in batches, off the request path). */
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

/** A raw POST (bad input the SDK would not send). */
export async function post(gw: TestGateway, path: string, key: string, body: string | FormData | undefined, contentType?: string): Promise<{ status: number; json: { error?: { message: string; type: string; param: string | null; code: string } } & Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}
