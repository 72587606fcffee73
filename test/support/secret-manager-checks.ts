/**
 * What every secret-manager plugin's gateway test does: a LiteLLM-style config whose deployment
 * `api_key` is `os.environ/<NAME>` (read from the fake manager), a chat call that must reach the
 * upstream with that value as its bearer, and a leak check over logs, error bodies and `/health`.
 */
import type { SecretResolver } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from './gateway.js';
import { startMockOpenAI, type MockOpenAI } from './mock-openai.js';

export { MASTER_KEY };

/** A LiteLLM config: `gpt-4o-mini` at `upstreamUrl` with `api_key: os.environ/<apiKeyRef>`. */
export function secretManagerConfig(upstreamUrl: string, apiKeyRef: string, generalSettings: Record<string, unknown>): SluiceConfig {
  return {
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstreamUrl, api_key: `os.environ/${apiKeyRef}` } }],
    general_settings: { master_key: MASTER_KEY, ...generalSettings },
  } as SluiceConfig;
}

export async function chat(gw: TestGateway, key = MASTER_KEY): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, text: await res.text() };
}

/** The bearer the upstream saw on its last request. */
export function lastBearer(upstream: MockOpenAI): string | undefined {
  const auth = upstream.requests.at(-1)?.headers.authorization;
  return typeof auth === 'string' ? auth.replace(/^Bearer /, '') : undefined;
}

/** The resolver a plugin contributed to a running gateway. */
export function resolverOf(gw: TestGateway, pluginId: string): SecretResolver {
  const plugin = gw.gateway.plugins.find((p) => p.id === pluginId);
  if (!plugin) throw new Error(`${pluginId} is not loaded (loaded: ${gw.gateway.plugins.map((p) => p.id).join(', ')})`);
  const resolver = plugin.instance.secretResolvers?.[0];
  if (!resolver) throw new Error(`${pluginId} contributed no secret resolver`);
  return resolver;
}

/**
 * Texts a leak would show up in: every log line, an error answer (a bad model name, a bad key),
 * `/health*` answers, every stored row. Returns the values found where they must not be.
 */
export async function leakedValues(gw: TestGateway, values: string[], extraTexts: string[] = []): Promise<string[]> {
  const texts = [...extraTexts];
  for (const path of ['/health', '/health/readiness', '/health/liveliness']) {
    const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    texts.push(await res.text());
  }
  const bad = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  texts.push(await bad.text());
  texts.push(...gw.logs);
  texts.push(await storedRows(gw));
  const all = texts.join('\n');
  return values.filter((v) => all.includes(v));
}

/**
 * Every row of every table of the gateway's database (spend logs, audit, keys, kv…), as text, once
 * the batched writers have flushed: a secret must not reach a stored row either.
 */
async function storedRows(gw: TestGateway): Promise<string> {
  await new Promise((r) => setTimeout(r, 1_500));
  const { knex, dialect } = gw.gateway.storage;
  const tables: string[] =
    dialect === 'sqlite'
      ? ((await knex.raw("select name from sqlite_master where type = 'table'")) as { name: string }[]).map((t) => t.name)
      : ((await knex.raw('select tablename from pg_tables where schemaname = current_schema()')) as { rows: { tablename: string }[] }).rows.map((t) => t.tablename);
  const dumps: string[] = [];
  for (const table of tables) dumps.push(JSON.stringify(await knex(table).select('*')));
  return dumps.join('\n');
}

export async function startUpstream(): Promise<MockOpenAI> {
  return startMockOpenAI();
}

export { startGateway };

/** Polls `check` until it returns true (a refresh landing), or throws after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `POST /key/generate` as the master key; the answer's JSON. */
export async function generateKey(gw: TestGateway, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.url}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** `POST /key/delete` as the master key. */
export async function deleteKeys(gw: TestGateway, keys: string[]): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.url}/key/delete`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keys }),
  });
  return { status: res.status, json: await res.json() };
}
