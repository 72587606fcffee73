/**
 * Shared by the budget tests: a test auth plugin that takes the call's scopes from the
 * `x-test-scopes` header (as the tenancy plugin would put them on the principal), a model list
 * with priced fake models, and a client.
 */
import type { Knex } from 'knex';
import { expect } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';
import { writeTestPlugin } from '../../../test/support/test-plugins.js';

export const SCOPES_AUTH_ID = 'budget-test-scopes-auth';

/** Writes the auth plugin; pass the folder to `startGateway` as an extra plugin dir. */
export function scopesAuthPlugin(): string {
  return writeTestPlugin({
    id: SCOPES_AUTH_ID,
    hooks: { preAuth: { stage: 'AUTH' } },
    source: `export default { id: '__ID__', version: '__VERSION__', apiVersion: '^2', async setup() { return {
      async preAuth(input) {
        const raw = input.headers['x-test-scopes'];
        if (typeof raw !== 'string') return undefined;
        const scopes = JSON.parse(raw);
        const own = (kind) => scopes.find((s) => s.kind === kind);
        return {
          id: own('key')?.id ?? 'tester', authenticatedBy: '__ID__', role: 'internal_user',
          keyHash: own('key')?.id, keyAlias: own('key')?.alias ?? undefined, userId: own('user')?.id, teamId: own('team')?.id,
          organizationId: own('organization')?.id, projectId: own('project')?.id, scopes,
        };
      },
    }; } };\n`,
  });
}

/** Every priced model costs $0.001 per token. A chat of "hi" with max_tokens 1 costs $0.002 and reserves $0.007. */
export const TOKEN_PRICE = 0.001;
export const CALL_COST = 0.002;
export const CALL_ESTIMATE = 0.007;

/** 400 characters: 100 completion tokens; a call of "hi" costs 101 tokens. */
const CHATTY_REPLY = 'The quick brown fox jumps over the lazy dog. '.repeat(9).slice(0, 400);
export const CHATTY_COST = 101 * TOKEN_PRICE;

const priced = { input_cost_per_token: TOKEN_PRICE, output_cost_per_token: TOKEN_PRICE };

export function budgetConfig(extra: Partial<SluiceConfig> & { budget?: Record<string, unknown> } = {}): SluiceConfig {
  const { budget, ...rest } = extra;
  return {
    model_list: [
      { model_name: 'priced', litellm_params: { model: 'fake/priced', mock_response: 'ok' }, model_info: priced },
      { model_name: 'priced-b', litellm_params: { model: 'fake/priced-b', mock_response: 'ok' }, model_info: priced },
      // 10 completion tokens: costs more than an estimate without max_tokens and default_completion_tokens 0.
      { model_name: 'wordy', litellm_params: { model: 'fake/wordy', mock_response: 'a reply of forty characters, give or tak' }, model_info: priced },
      // 100 completion tokens, a tenth of default_completion_tokens as real replies often are; its
      // second of latency keeps a whole burst in flight at once, as a real upstream would.
      { model_name: 'chatty', litellm_params: { model: 'fake/chatty', mock_response: CHATTY_REPLY, delay_ms: 1_000 }, model_info: priced },
      { model_name: 'chatty-b', litellm_params: { model: 'fake/chatty-b', mock_response: CHATTY_REPLY, delay_ms: 1_000 }, model_info: priced },
      { model_name: 'free', litellm_params: { model: 'fake/free', mock_response: 'ok' } },
      { model_name: 'broken', litellm_params: { model: 'openai/broken', api_base: 'http://127.0.0.1:9/v1', api_key: 'sk-none', timeout: 2 }, model_info: priced },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: SCOPES_AUTH_ID }, ...(budget ? [{ use: 'budget', config: budget }] : [])],
    ...rest,
  } as SluiceConfig;
}

export interface Reply {
  status: number;
  json: { error?: { message: string; type: string; param: unknown; code: unknown } } & Record<string, unknown>;
}

export interface ChatOptions {
  model?: string;
  maxTokens?: number | null;
  extra?: Record<string, unknown>;
}

/** One chat call with the given scopes; waits until the gateway settled it, so the next call sees its cost. */
export async function chat(gw: TestGateway, scopes: LimitScope[], opts: ChatOptions = {}): Promise<Reply> {
  const body = {
    model: opts.model ?? 'priced',
    messages: [{ role: 'user', content: 'hi' }],
    ...(opts.maxTokens !== null && { max_tokens: opts.maxTokens ?? 1 }),
    ...opts.extra,
  };
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-scopes', 'content-type': 'application/json', 'x-test-scopes': JSON.stringify(scopes) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Reply['json'];
  await gw.gateway.observers.drain();
  return { status: res.status, json };
}

/** `n` concurrent calls, spread over `gws` in turn; waits until every instance settled them. */
export async function burst(gws: TestGateway[], scopes: LimitScope[], n: number, body: Record<string, unknown>): Promise<{ ok: number; statuses: Map<string, number> }> {
  const replies = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const gw = gws[i % gws.length]!;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-scopes', 'content-type': 'application/json', 'x-test-scopes': JSON.stringify(scopes) },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
      });
      const json = (await res.json()) as { error?: { type: string } };
      return res.status === 200 ? '200' : `${res.status} ${json.error?.type}`;
    }),
  );
  for (const gw of gws) await gw.gateway.observers.drain();
  const statuses = new Map<string, number>();
  for (const r of replies) statuses.set(r, (statuses.get(r) ?? 0) + 1);
  return { ok: statuses.get('200') ?? 0, statuses };
}

/** The spend the instances wrote to the database, once it reached `expected` (each instance flushes every second) or after 5 s. */
export async function recordedSpend(db: Knex, scope: LimitScope, expected: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = await db('sluice_budget_window_spend').where({ scope_kind: scope.kind, scope_id: scope.id }).sum({ spend: 'spend' }).first();
    const spend = Number(row?.spend ?? 0);
    if (Math.abs(spend - expected) < 1e-9 || Date.now() > deadline) return spend;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Checks the spend the instances recorded for `scope`: `admitted` calls of `callCost` each, and no more than `bound`. */
export async function expectRecordedSpend(openDb: () => Knex | Promise<Knex>, scope: LimitScope, admitted: number, callCost: number, bound: number): Promise<void> {
  const db = await openDb();
  try {
    const spend = await recordedSpend(db, scope, admitted * callCost);
    expect(spend).toBeCloseTo(admitted * callCost, 9);
    expect(spend).toBeLessThanOrEqual(bound + 1e-9);
  } finally {
    await db.destroy();
  }
}
