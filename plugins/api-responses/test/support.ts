/** Shared by this plugin's gateway tests: a call helper, keys, and spend rows polled until written. */
import { expect } from 'vitest';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';

export async function call(gw: TestGateway, method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export async function newKey(gw: TestGateway, body: Record<string, unknown> = {}): Promise<string> {
  const r = await call(gw, 'POST', '/key/generate', body);
  expect(r.status).toBe(200);
  return r.json.key as string;
}

/** The spend log rows of a response id (LiteLLM keys rows by the id the client got back). */
export async function spendRows(gw: TestGateway, responseId: string): Promise<any[]> {
  for (let i = 0; i < 100; i++) {
    const r = await call(gw, 'GET', `/spend/logs?request_id=${encodeURIComponent(responseId)}`);
    if (Array.isArray(r.json) && r.json.length > 0) return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no spend row for ${responseId}`);
}
