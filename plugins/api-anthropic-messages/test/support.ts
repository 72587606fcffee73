/** Shared by this plugin's gateway tests: a call helper, virtual keys, spend rows polled until written. */
import { expect } from 'vitest';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';

export async function call(gw: TestGateway, path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${MASTER_KEY}` }): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export async function newKey(gw: TestGateway, body: Record<string, unknown> = {}): Promise<string> {
  const r = await call(gw, '/key/generate', body);
  expect(r.status).toBe(200);
  return r.json.key as string;
}

/** The spend log rows of a response id (rows are keyed by the id the client got back). */
export async function spendRows(gw: TestGateway, responseId: string): Promise<any[]> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/spend/logs?request_id=${encodeURIComponent(responseId)}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    const rows = (await res.json()) as unknown;
    if (Array.isArray(rows) && rows.length > 0) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no spend row for ${responseId}`);
}

/** The other API-family plugins, off here: written alongside this one, one that fails to load would fail these tests. */
export const OTHER_API_PLUGINS_OFF = ['api-responses', 'api-audio', 'api-files-batches', 'api-images', 'api-moderations', 'pass-through-providers'].map((use) => ({ use, enabled: false }));

/** Anthropic SSE text → its events' data, in order. */
export function sseData(text: string): any[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      expect(event).toBe(data.type);
      return data;
    });
}
