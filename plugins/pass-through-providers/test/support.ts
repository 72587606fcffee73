/** A gateway on SQLite with virtual keys, and what the pass-through tests read back from it. */
import { expect } from 'vitest';
import { join } from 'node:path';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export async function gatewayWithKeys(config: Omit<SluiceConfig, 'general_settings'> & { general_settings?: Record<string, unknown> }, env: Record<string, string> = {}): Promise<TestGateway> {
  return startGateway(
    { server: { shutdown_timeout_ms: 1_000 }, ...config, general_settings: { master_key: MASTER_KEY, ...config.general_settings } } as SluiceConfig,
    { env: { DATABASE_URL: `sqlite:${join(tempDir(), 'sluice.db')}`, ...env } },
  );
}

async function admin<T>(gw: TestGateway, path: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const generateKey = async (gw: TestGateway, body: Record<string, unknown> = {}) => (await admin<{ key: string }>(gw, '/key/generate', body)).key;
export const blockKey = (gw: TestGateway, key: string) => admin(gw, '/key/block', { key });

export async function keySpend(gw: TestGateway, key: string): Promise<number> {
  const res = await fetch(`${gw.url}/key/info?key=${key}`, { headers: bearer(MASTER_KEY) });
  return ((await res.json()) as { info: { spend: number } }).info.spend;
}

export interface SpendRow {
  call_type: string;
  spend: number;
  model: string;
  status: string;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  request_id: string;
}

export async function spendLogs(gw: TestGateway, key: string): Promise<SpendRow[]> {
  const res = await fetch(`${gw.url}/spend/logs?api_key=${key}`, { headers: bearer(MASTER_KEY) });
  return (await res.json()) as SpendRow[];
}

/** Retries an assertion until it holds (spend is written off the request path), up to 10 s. */
export async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The key's first spend log row, once written. */
export async function firstSpendRow(gw: TestGateway, key: string): Promise<SpendRow> {
  let row: SpendRow | undefined;
  await eventually(async () => {
    row = (await spendLogs(gw, key))[0];
    expect(row).toBeDefined();
  });
  return row!;
}
