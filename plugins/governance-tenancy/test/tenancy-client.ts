/** HTTP helpers shared by the tenancy tests: a client per gateway, and the test config. */
import { expect } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';

export interface Reply {
  status: number;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** Models `a` and `b` answered in-process; `a` is priced so calls have a cost. */
export const tenancyConfig = (extra: Partial<SluiceConfig> = {}): SluiceConfig =>
  ({
    model_list: [
      { model_name: 'a', litellm_params: { model: 'fake/a', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
      { model_name: 'b', litellm_params: { model: 'fake/b' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    ...extra,
  }) as SluiceConfig;

export function client(gw: () => TestGateway) {
  const send = async (method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<Reply> => {
    const res = await fetch(`${gw().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  const ok = async (method: string, path: string, body?: unknown, key?: string) => {
    const r = await send(method, path, body, key);
    expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
    return r.json;
  };
  return {
    send,
    ok,
    post: (path: string, body: unknown, key?: string) => send('POST', path, body, key),
    get: (path: string, key?: string) => send('GET', path, undefined, key),
    chat: (key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      fetch(`${gw().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hello there' }], ...extra }),
      }).then(async (res) => {
        const text = await res.text();
        return { status: res.status, text, json: JSON.parse(text), headers: res.headers } as Reply;
      }),
    /** A key for a user: the user's role and memberships decide what the key may do. */
    keyFor: async (body: Record<string, unknown>): Promise<string> => (await ok('POST', '/key/generate', body)).key as string,
  };
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
