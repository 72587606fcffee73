/**
 * Spend logs end to end, on SQLite and on Postgres: real calls through a gateway with the fake
 * provider, rows checked in the database and through LiteLLM's spend API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { DATABASE_BACKENDS, until, type DatabaseBackend } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';

/** Callers with fixed identities, so access rules are tested without the tenancy plugin's API. */
const PRINCIPALS: Record<string, object> = {
  'sk-alice': { id: 'k-alice', role: 'internal_user', keyHash: 'hash-alice', keyAlias: 'alice-key', userId: 'alice', teamId: 'team-a', organizationId: 'org-1', projectId: 'proj-1' },
  'sk-bob': { id: 'k-bob', role: 'internal_user', keyHash: 'hash-bob', userId: 'bob', teamId: 'team-b', organizationId: 'org-2' },
  'sk-carol': { id: 'k-carol', role: 'internal_user', keyHash: 'hash-carol', userId: 'carol', teamId: 'team-a', organizationId: 'org-1' },
  'sk-team-admin': { id: 'k-ta', role: 'team_admin', keyHash: 'hash-ta', userId: 'ta', adminOf: { teams: ['team-a'], organizations: [] } },
  'sk-org-admin': { id: 'k-oa', role: 'org_admin', keyHash: 'hash-oa', userId: 'oa', adminOf: { teams: [], organizations: ['org-2'] } },
  'sk-viewer': { id: 'k-viewer', role: 'proxy_admin_viewer', keyHash: 'hash-viewer', userId: 'viewer' },
  'sk-customer': { id: 'k-cust', role: 'customer', keyHash: 'hash-cust', userId: 'cust' },
};
(globalThis as unknown as { __spendPrincipals: object }).__spendPrincipals = PRINCIPALS;
const identities = writeTestPlugin({
  id: 'test-identities',
  hooks: { preAuth: { stage: 'SECURITY' } },
  source: pluginSource(`return { preAuth: async (input) => { const p = globalThis.__spendPrincipals[input.token]; return p ? { ...p, authenticatedBy: 'test-identities' } : undefined; } };`),
});

const PRICE = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 };
function config(spendConfig: object = {}, extra: Partial<SluiceConfig> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'm1', litellm_params: { model: 'fake/m1', ...PRICE } },
      { model_name: 'm2', litellm_params: { model: 'fake/m2', ...PRICE } },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'spend-logs', config: { flush_interval_ms: 100, ...spendConfig } }, { use: 'test-identities' }],
    ...extra,
  } as SluiceConfig;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function client(gw: () => TestGateway) {
  const get = async (path: string, key = MASTER_KEY): Promise<{ status: number; text: string; json: Json }> => {
    const res = await fetch(`${gw().url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const chat = async (key: string, opts: { model?: string; tags?: string[]; headerTags?: string; user?: string; text?: string } = {}) => {
    const res = await fetch(`${gw().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(opts.headerTags && { 'x-litellm-tags': opts.headerTags }) },
      body: JSON.stringify({
        model: opts.model ?? 'm1',
        messages: [{ role: 'user', content: opts.text ?? 'hello there' }],
        ...(opts.user && { user: opts.user }),
        ...(opts.tags && { metadata: { tags: opts.tags } }),
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return res.headers.get('x-litellm-call-id') ?? res.headers.get('x-request-id');
  };
  return { get, chat };
}

async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}


const today = new Date().toISOString().slice(0, 10);
const num = (v: unknown) => Number(v);

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(`spend logs on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let gw: TestGateway;
    let db: Awaited<ReturnType<DatabaseBackend['open']>>;
    const api = client(() => gw);
    const counts = { alice: 0, bob: 0, carol: 0 };

    beforeAll(async () => {
      db = await backend.open();
      gw = await startGateway(config(), { env: db.env, extraPluginDirs: [identities] });
    }, 30_000);
    afterAll(async () => {
      await gw?.close();
      await db?.drop();
    });

    const logCount = async () => num(((await db.knex('sluice_spend_logs').count({ n: '*' })) as { n: unknown }[])[0]!.n);

    it('1,000 calls through the gateway become 1,000 rows, and the daily rollups add up to the log', async () => {
      const keys = ['sk-alice', 'sk-bob', 'sk-carol'] as const;
      await inParallel(1000, 25, async (i) => {
        const key = keys[i % 3]!;
        counts[key.slice(3) as keyof typeof counts]++;
        await api.chat(key, {
          model: i % 2 ? 'm1' : 'm2',
          text: `request ${i} ${'x'.repeat(i % 7)}`,
          ...(i % 5 === 0 && { user: `customer-${i % 3}` }),
          ...(i % 4 === 0 && { tags: ['bulk-a', 'bulk-b'] }),
        });
      });
      await until(async () => (await logCount()) === 1000);

      const [log] = (await db.knex('sluice_spend_logs').sum({ spend: 'spend', tokens: 'total_tokens' }).count({ n: '*' })) as Json[];
      const [daily] = (await db.knex('sluice_spend_daily').sum({ spend: 'spend', tokens: 'total_tokens', n: 'api_requests', ok: 'successful_requests' })) as Json[];
      expect(num(log.spend)).toBeGreaterThan(0);
      expect(num(daily.spend)).toBeCloseTo(num(log.spend), 9);
      expect(num(daily.tokens)).toBe(num(log.tokens));
      expect(num(daily.n)).toBe(1000);
      expect(num(daily.ok)).toBe(1000);
      const perKey = (await db.knex('sluice_spend_daily').select('api_key').sum({ n: 'api_requests' }).groupBy('api_key')) as Json[];
      expect(Object.fromEntries(perKey.map((r) => [r.api_key, num(r.n)]))).toEqual({ 'hash-alice': counts.alice, 'hash-bob': counts.bob, 'hash-carol': counts.carol });
      const tagged = (await db.knex('sluice_spend_daily_tags').where('tag', 'bulk-a').sum({ n: 'api_requests', spend: 'spend' })) as Json[];
      const taggedLog = (await db.knex('sluice_spend_logs').where('request_tags', 'like', '%"bulk-a"%').sum({ spend: 'spend' }).count({ n: '*' })) as Json[];
      expect(num(tagged[0].n)).toBe(250);
      expect(num(taggedLog[0].n)).toBe(250);
      expect(num(tagged[0].spend)).toBeCloseTo(num(taggedLog[0].spend), 9);
    }, 120_000);

    it('stores the request identity, model, deployment, tokens, cost, tags and times of a call', async () => {
      await api.chat('sk-alice', { model: 'm2', user: 'end-user-7', tags: ['row-check'], text: 'one row please' });
      await until(async () => (await db.knex('sluice_spend_logs').where('end_user', 'end-user-7')).length === 1);
      const r = await api.get('/spend/logs/v2?end_user=end-user-7');
      expect(r.status, r.text).toBe(200);
      expect(r.json.total).toBe(1);
      const row = r.json.data[0];
      expect(row).toMatchObject({
        call_type: 'acompletion',
        api_key: 'hash-alice',
        user: 'alice',
        team_id: 'team-a',
        organization_id: 'org-1',
        project_id: 'proj-1',
        end_user: 'end-user-7',
        model: 'm2',
        model_group: 'm2',
        custom_llm_provider: 'fake',
        request_tags: ['row-check'],
        status: 'success',
        metadata: { user_api_key_alias: 'alice-key', status_code: 200 },
      });
      expect(row.model_id).toEqual(expect.any(String));
      expect(row.prompt_tokens).toBeGreaterThan(0);
      expect(row.total_tokens).toBe(row.prompt_tokens + row.completion_tokens);
      expect(row.spend).toBeCloseTo(row.prompt_tokens * PRICE.input_cost_per_token + row.completion_tokens * PRICE.output_cost_per_token, 12);
      expect(Date.parse(row.endTime)).toBeGreaterThanOrEqual(Date.parse(row.startTime));
      expect(row.request_duration_ms).toBe(Date.parse(row.endTime) - Date.parse(row.startTime));
      const byId = await api.get(`/spend/logs?request_id=${encodeURIComponent(row.request_id)}`);
      expect(byId.json).toHaveLength(1);
      expect(byId.json[0].request_id).toBe(row.request_id);
    });

    it('/spend/tags: exactly the spec shape, tags from metadata.tags and the x-litellm-tags header, dearest first', async () => {
      for (let i = 0; i < 6; i++) await api.chat('sk-bob', i % 2 ? { tags: ['model-anthropic-claude-v2.1'] } : { headerTags: 'model-anthropic-claude-v2.1' });
      for (let i = 0; i < 4; i++) await api.chat('sk-bob', { headerTags: 'app-ishaan-local' });
      for (let i = 0; i < 2; i++) await api.chat('sk-bob', { tags: ['app-ishaan-prod'] });
      await until(async () => ((await db.knex('sluice_spend_daily_tags').where('tag', 'app-ishaan-prod').sum({ n: 'api_requests' })) as Json[])[0].n == 2);
      const r = await api.get('/spend/tags');
      expect(r.status, r.text).toBe(200);
      expect(Array.isArray(r.json)).toBe(true);
      for (const entry of r.json) expect(Object.keys(entry)).toEqual(['individual_request_tag', 'log_count', 'total_spend']);
      const spendOrder = r.json.map((e: Json) => e.total_spend);
      expect(spendOrder).toEqual([...spendOrder].sort((a: number, b: number) => b - a));
      const spec = r.json.filter((e: Json) => ['model-anthropic-claude-v2.1', 'app-ishaan-local', 'app-ishaan-prod'].includes(e.individual_request_tag));
      expect(spec.map((e: Json) => [e.individual_request_tag, e.log_count])).toEqual([
        ['model-anthropic-claude-v2.1', 6],
        ['app-ishaan-local', 4],
        ['app-ishaan-prod', 2],
      ]);
      expect(spec[0].total_spend).toBeCloseTo(3 * spec[2].total_spend, 12); // same prompt, same price
      expect(r.text).toMatch(/^\[\{"individual_request_tag":"[^"]+","log_count":\d+,"total_spend":[\d.e-]+\}/);
      // A date range with no traffic is empty.
      expect((await api.get('/spend/tags?start_date=2020-01-01&end_date=2020-01-31')).json).toEqual([]);
      expect((await api.get(`/spend/tags?start_date=${today}&end_date=${today}`)).json).toEqual(r.json);
    });

    it('/spend/logs/v2 pages through the rows without gaps or repeats and filters by key, user and dates', async () => {
      const pageSize = 40;
      const first = await api.get(`/spend/logs/v2?user_id=carol&page=1&page_size=${pageSize}`);
      expect(first.json).toMatchObject({ total: counts.carol, page: 1, page_size: pageSize, total_pages: Math.ceil(counts.carol / pageSize) });
      const seen = new Set<string>();
      for (let page = 1; page <= first.json.total_pages; page++) {
        const r = await api.get(`/spend/logs/v2?user_id=carol&page=${page}&page_size=${pageSize}`);
        for (const row of r.json.data) {
          expect(row.user).toBe('carol');
          seen.add(row.request_id);
        }
      }
      expect(seen.size).toBe(counts.carol);
      const times = first.json.data.map((d: Json) => Date.parse(d.startTime));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect((await api.get('/spend/logs/v2?api_key=hash-carol&page_size=1')).json.total).toBe(counts.carol);
      expect((await api.get('/spend/logs/v2?user_id=carol&start_date=2020-01-01&end_date=2020-12-31')).json.total).toBe(0);
      expect((await api.get(`/spend/logs/v2?user_id=carol&start_date=${today}&end_date=${today}`)).json.total).toBe(counts.carol);
      const bad = await api.get('/spend/logs/v2?page_size=1000');
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ type: 'bad_request_error', param: 'page_size' });
      // v1: a plain array, newest first; page/page_size walk it.
      const v1 = await api.get('/spend/logs?user_id=carol&page_size=5&page=2');
      expect(v1.json).toHaveLength(5);
      expect(v1.json.map((r: Json) => r.request_id)).toEqual((await api.get('/spend/logs/v2?user_id=carol&page_size=5&page=2')).json.data.map((r: Json) => r.request_id));
      // v1 with a date range: spend per day (LiteLLM's summarize=true default).
      const summary = await api.get(`/spend/logs?start_date=${today}&end_date=${today}&user_id=carol`);
      expect(summary.json).toHaveLength(1);
      expect(summary.json[0]).toMatchObject({ startTime: today, users: { carol: expect.any(Number) } });
      expect(summary.json[0]['hash-carol']).toBeCloseTo(summary.json[0].spend, 12);
    });

    it('/global/spend/report groups by team, customer, api_key, tag and model over a date range', async () => {
      const [totals] = (await db.knex('sluice_spend_daily').sum({ spend: 'spend' })) as Json[];
      const team = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=team`);
      expect(team.status, team.text).toBe(200);
      expect(team.json).toHaveLength(1);
      expect(team.json[0].group_by_day).toBe(`${today}T00:00:00+00:00`);
      const teams = Object.fromEntries(team.json[0].teams.map((t: Json) => [t.team_name, t]));
      expect(Object.keys(teams).sort()).toEqual(['team-a', 'team-b']);
      expect(teams['team-a'].total_spend + teams['team-b'].total_spend).toBeCloseTo(num(totals.spend), 9);
      expect(teams['team-a'].metadata[0]).toEqual({ model: expect.any(String), api_key: expect.any(String), spend: expect.any(Number), total_tokens: expect.any(Number) });

      const keys = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=api_key`);
      expect(keys.json.map((k: Json) => k.api_key).sort()).toEqual(['hash-alice', 'hash-bob', 'hash-carol']);
      expect(keys.json[0]).toEqual({ api_key: expect.any(String), total_cost: expect.any(Number), total_input_tokens: expect.any(Number), total_output_tokens: expect.any(Number), model_details: expect.any(Array) });
      expect(keys.json.map((k: Json) => k.total_cost)).toEqual([...keys.json.map((k: Json) => k.total_cost)].sort((a: number, b: number) => b - a));

      const customers = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=customer`);
      const names = customers.json[0].customers.map((c: Json) => c.customer);
      expect(names).toEqual(expect.arrayContaining(['customer-0', 'customer-1', 'customer-2', 'end-user-7', null]));

      const tags = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=tag`);
      const bulk = tags.json[0].tags.find((t: Json) => t.tag === 'bulk-a');
      const [bulkSpend] = (await db.knex('sluice_spend_daily_tags').where('tag', 'bulk-a').sum({ s: 'spend' })) as Json[];
      expect(bulk.total_spend).toBeCloseTo(num(bulkSpend.s), 12);

      const models = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=model`);
      expect(models.json[0].models.map((m: Json) => m.model).sort()).toEqual(['m1', 'm2']);

      expect((await api.get('/global/spend/report?start_date=2020-01-01&end_date=2020-01-02&group_by=team')).json).toEqual([]);
      const missing = await api.get('/global/spend/report?group_by=team');
      expect(missing.status).toBe(400);
      expect(missing.json.error.message).toBe('Please provide start_date and end_date');
    });

    it('access: users see their own rows, team and org admins their tenants\', viewers everything, customers nothing', async () => {
      const total = (await logCount());
      const v2Total = async (key: string, query = '') => (await api.get(`/spend/logs/v2?page_size=1${query}`, key)).json.total;
      expect(await v2Total('sk-alice')).toBe(counts.alice + 1);
      expect(await v2Total('sk-alice', '&user_id=bob')).toBe(counts.alice + 1); // asks for bob, gets its own
      expect(await v2Total('sk-team-admin')).toBe(counts.alice + 1 + counts.carol);
      expect(await v2Total('sk-org-admin')).toBe(counts.bob + 12);
      expect(await v2Total('sk-viewer')).toBe(total);
      expect((await api.get('/spend/logs/v2', 'sk-customer')).status).toBe(403);
      const aliceTags = (await api.get('/spend/tags', 'sk-alice')).json.map((t: Json) => t.individual_request_tag);
      expect(aliceTags).toContain('row-check');
      expect(aliceTags).not.toContain('app-ishaan-prod'); // bob's
      const report = await api.get(`/global/spend/report?start_date=${today}&end_date=${today}&group_by=api_key`, 'sk-team-admin');
      expect(report.json.map((k: Json) => k.api_key).sort()).toEqual(['hash-alice', 'hash-carol']);
      const v1 = await api.get('/spend/logs?page_size=1000', 'sk-bob');
      expect(new Set(v1.json.map((r: Json) => r.user))).toEqual(new Set(['bob']));
    });

    it('a database outage queues rows; when it ends every row arrives once', async () => {
      const before = await logCount();
      await db.knex.schema.renameTable('sluice_spend_logs', 'sluice_spend_logs_away');
      try {
        await inParallel(40, 8, () => api.chat('sk-alice', { tags: ['outage'] }));
        await until(async () => gw.logs.some((l) => l.includes('writing to the database failed')));
      } finally {
        await db.knex.schema.renameTable('sluice_spend_logs_away', 'sluice_spend_logs');
      }
      await until(async () => (await logCount()) === before + 40, 30_000);
      // The line is logged once the write's promise settles, a moment after its rows are visible.
      await until(async () => gw.logs.some((l) => l.includes('writes to the database recovered')));
      const [outage] = (await db.knex('sluice_spend_daily_tags').where('tag', 'outage').sum({ n: 'api_requests' })) as Json[];
      expect(num(outage.n)).toBe(40);
    }, 60_000);
  });

  describe.skipIf(backend.skip !== undefined)(`spend logs lifecycle on ${backend.name}`, () => {
    it('close right after the calls: every row is in the database', async () => {
      const db = await backend.open();
      try {
        const gw = await startGateway(config({ flush_interval_ms: 60_000 }), { env: db.env, extraPluginDirs: [identities] });
        const api = client(() => gw);
        await inParallel(50, 10, () => api.chat('sk-bob'));
        await gw.close();
        const [{ n }] = (await db.knex('sluice_spend_logs').count({ n: '*' })) as Json[];
        expect(num(n)).toBe(50);
        const [{ r }] = (await db.knex('sluice_spend_daily').sum({ r: 'api_requests' })) as Json[];
        expect(num(r)).toBe(50);
      } finally {
        await db.drop();
      }
    }, 30_000);

    it('maximum_spend_logs_retention_period purges old log rows and keeps the rollups', async () => {
      const db = await backend.open();
      try {
        const gw = await startGateway(
          config({}, { general_settings: { master_key: MASTER_KEY, maximum_spend_logs_retention_period: '7d', maximum_spend_logs_retention_interval: '1s' } } as Partial<SluiceConfig>),
          { env: db.env, extraPluginDirs: [identities] },
        );
        try {
          const api = client(() => gw);
          const old = Date.now() - 10 * 86_400_000;
          await db.knex('sluice_spend_logs').insert({
            request_id: 'old-1', call_type: 'acompletion', api_key: 'hash-bob', model: 'm1', model_group: 'm1', prompt_tokens: 1, completion_tokens: 1,
            total_tokens: 2, spend: 0.5, request_tags: '[]', status: 'success', http_status: 200, start_time: old, end_time: old, request_duration_ms: 0, metadata: '{}',
          });
          await db.knex('sluice_spend_daily').insert({ day: new Date(old).toISOString().slice(0, 10), api_key: 'hash-bob', user_id: 'bob', team_id: '', organization_id: '', project_id: '', end_user: '', model: 'm1', custom_llm_provider: '', spend: 0.5, api_requests: 1 });
          await api.chat('sk-bob');
          await until(async () => (await db.knex('sluice_spend_logs').where('request_id', 'old-1')).length === 0);
          await until(async () => (await db.knex('sluice_spend_logs')).length === 1);
          expect((await db.knex('sluice_spend_daily').where('spend', 0.5)).length).toBe(1);
          expect(gw.logs.some((l) => l.includes('retention purge deleted old rows'))).toBe(true);
        } finally {
          await gw.close();
        }
      } finally {
        await db.drop();
      }
    }, 30_000);
  });
}
