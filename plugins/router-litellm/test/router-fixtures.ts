/**
 * What the router tests share: one mock upstream per deployment (so a test can tell which
 * deployment served a call by counting requests), a gateway built from `model_list` +
 * `router_settings`, and a plain `fetch` client that keeps status, headers and body.
 */
import { afterEach } from 'vitest';
import type { ModelDeployment, SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockBehaviour, type MockOpenAI } from '../../../test/support/mock-openai.js';

export { MASTER_KEY };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const UPSTREAM_500 = { status: 500, body: { error: { message: 'upstream exploded', type: 'server_error' } } };
export const UPSTREAM_429 = { status: 429, body: { error: { message: 'slow down', type: 'rate_limit_error' } } };

/** Everything a test started, closed after it whatever happened. */
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((o) => o.close()));
});

export async function upstream(behaviour: MockBehaviour = {}): Promise<MockOpenAI> {
  const mock = await startMockOpenAI(behaviour);
  open.push(mock);
  return mock;
}

/** A `model_list` entry for `group` served by `mock`, with a fixed deployment id. */
export function deployment(group: string, id: string, mock: MockOpenAI, params: Record<string, unknown> = {}): ModelDeployment {
  return { model_name: group, litellm_params: { model: 'openai/up-model', api_base: mock.url, api_key: 'sk-up-x', ...params }, model_info: { id } };
}

export async function gateway(
  modelList: ModelDeployment[],
  routerSettings: Record<string, unknown> = {},
  extra: Partial<SluiceConfig> = {},
  opts: Parameters<typeof startGateway>[1] = {},
): Promise<TestGateway> {
  const gw = await startGateway(
    { model_list: modelList, general_settings: { master_key: MASTER_KEY }, router_settings: routerSettings, ...extra },
    opts,
  );
  open.push(gw);
  return gw;
}

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON (a completion or an error envelope); the raw text for a stream. */
  body: any;
  ms: number;
  /** `x-litellm-model-id`: the deployment that served the call. */
  servedBy: string | null;
}

/** POST /v1/chat/completions with `model` and a one-line prompt, plus `extra` body fields. */
export function chat(gw: TestGateway, model: string, extra: Record<string, unknown> = {}): Promise<Reply> {
  return post(gw, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...extra });
}

export async function post(gw: TestGateway, path: string, payload: Record<string, unknown>): Promise<Reply> {
  const started = performance.now();
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a stream: keep the text */
  }
  return { status: res.status, headers: res.headers, body, ms, servedBy: res.headers.get('x-litellm-model-id') };
}

/** `n` sequential calls. */
export async function chatMany(gw: TestGateway, model: string, n: number, extra: Record<string, unknown> = {}): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await chat(gw, model, extra));
  return out;
}

/** How many replies each deployment served. */
export function tally(replies: readonly Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) out[r.servedBy ?? `status ${r.status}`] = (out[r.servedBy ?? `status ${r.status}`] ?? 0) + 1;
  return out;
}

/**
 * rpm/tpm and usage counts live in fixed, epoch-aligned minutes: a test that counts them waits
 * for a fresh minute when fewer than `needMs` are left in this one.
 */
export async function awaitRoomInMinute(needMs = 5_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await sleep(left + 20);
}
