/**
 * `sluice import litellm` end to end: a LiteLLM database built from LiteLLM's schema (fixture DDL)
 * and filled as LiteLLM fills it, imported through the real CLI entry (`main`), then checked
 * through Sluice's management API and with calls made with the imported `sk-` keys.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../kernel/cli/main.js';
import { openSource, orderImporters } from '../kernel/cli/import-command.js';
import { backends } from './support/backends.js';
import { DATABASE_BACKENDS, type DatabaseBackend } from './support/database-backends.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { createLiteLLMSource, encryptLegacy, encryptV3, sha256, type LiteLLMSource } from './support/litellm-source.js';

const LITELLM_SALT = 'litellm-salt-key-of-the-old-deployment';
const KEYS = {
  ok: 'sk-litellm-ok-000000000001',
  atBudget: 'sk-litellm-budget-0000002',
  blocked: 'sk-litellm-blocked-000003',
  expired: 'sk-litellm-expired-000004',
  dbModel: 'sk-litellm-dbmodel-000005',
  legacyPlain: 'sk-litellm-plain-00000006',
};
const UPSTREAM_DB_KEY = 'sk-upstream-db-model-secret-77';
const UPSTREAM_CRED_KEY = 'sk-upstream-credential-secret-88';
const FUTURE = "now() + interval '20 days'";

/** Runs the CLI, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

/** The report's row for a table: [read, inserted, updated, unchanged, deleted, skipped]. */
function counts(out: string, table: string): number[] {
  const line = out.split('\n').find((l) => l.startsWith(`${table} `) || l.startsWith(table));
  if (!line) throw new Error(`no row for ${table} in:\n${out}`);
  return line.slice(table.length).trim().split(/\s+/).map(Number);
}

async function seed(src: LiteLLMSource, upstreamUrl: string): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => src.client.query(sql, params);
  await q(`INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, rpm_limit, budget_duration, created_by, updated_by) VALUES
    ('b-org', 100, 1000, '30d', 'admin', 'admin'), ('b-member', 5, NULL, NULL, 'admin', 'admin'), ('b-cust', 1.0, NULL, '1d', 'admin', 'admin')`);
  await q(`INSERT INTO "LiteLLM_ObjectPermissionTable" (object_permission_id, mcp_servers, vector_stores) VALUES ('op-1', ARRAY['srv-1'], ARRAY['vs-1'])`);
  await q(`INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, models, spend, created_by, updated_by) VALUES ('org-1', 'Acme', 'b-org', ARRAY['gpt-4o-mini'], 12.5, 'admin', 'admin')`);
  await q(`INSERT INTO "LiteLLM_ModelTable" (aliases, created_by, updated_by) VALUES ('{"fast": "gpt-4o-mini"}', 'admin', 'admin')`);
  await q(
    `INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, object_permission_id, admins, members, members_with_roles, metadata, max_budget, spend, models, tpm_limit, rpm_limit, budget_duration, budget_reset_at, model_id)
     VALUES ('team-1', 'Research', 'org-1', 'op-1', ARRAY['user-1'], ARRAY['user-2'], $1, '{"department": "r&d"}', 50, 7, ARRAY['gpt-4o-mini'], 10000, 100, '30d', ${FUTURE}, 1)`,
    [JSON.stringify([{ role: 'admin', user_id: 'user-1', user_email: 'ada@example.com' }, { role: 'user', user_id: 'user-2', user_email: null }, { role: 'user', user_id: null, user_email: 'invited@example.com' }])],
  );
  await q(`INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, blocked, models) VALUES ('team-blocked', 'Frozen', true, ARRAY[]::TEXT[])`);
  await q(`INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend, budget_id) VALUES ('user-2', 'team-1', 1.5, 'b-member')`);
  await q(`INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, max_budget, spend, models, teams, password, budget_duration) VALUES
    ('user-1', 'ada@example.com', 'internal_user', 20, 3, ARRAY[]::TEXT[], ARRAY['team-1'], 'pbkdf2-hash-not-carried', '7d'),
    ('user-2', 'bob@example.com', 'internal_user_viewer', NULL, 0.5, ARRAY[]::TEXT[], ARRAY['team-1'], NULL, NULL)`);
  await q(`INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role) VALUES ('user-1', 'org-1', 'org_admin')`);
  await q(`INSERT INTO "LiteLLM_ProjectTable" (project_id, project_alias, team_id, models, created_by, updated_by) VALUES ('proj-1', 'Chatbot', 'team-1', ARRAY['gpt-4o-mini'], 'admin', 'admin')`);
  await q(`INSERT INTO "LiteLLM_EndUserTable" (user_id, alias, spend, allowed_model_region, budget_id) VALUES ('cust-1', 'Customer One', 0.25, 'eu', 'b-cust')`);
  await q(`INSERT INTO "LiteLLM_EndUserTable" (user_id, blocked) VALUES ('cust-blocked', true)`);
  await q(`INSERT INTO "LiteLLM_TagTable" (tag_name, description, models, spend) VALUES ('prod', 'production traffic', ARRAY['gpt-4o-mini'], 2)`);

  const key = (token: string, fields: string, values: string) =>
    q(`INSERT INTO "LiteLLM_VerificationToken" (token, key_name, models, ${fields}) VALUES ($1, $2, ARRAY['gpt-4o-mini', 'db-gpt', 'cred-gpt'], ${values})`, [token, `sk-...${token.slice(-4)}`]);
  await key(
    sha256(KEYS.ok),
    'key_alias, user_id, team_id, max_budget, spend, rpm_limit, tpm_limit, budget_duration, budget_reset_at, metadata, object_permission_id, soft_budget_cooldown',
    `'ok-key', 'user-1', 'team-1', 10, 1.25, 100, 100000, '30d', ${FUTURE}, '{"tags": ["prod"], "model_rpm_limit": {"gpt-4o-mini": 50}}', 'op-1', true`,
  );
  await key(sha256(KEYS.atBudget), 'key_alias, max_budget, spend', `'spent-key', 5, 5.0`);
  await key(sha256(KEYS.blocked), 'key_alias, blocked', `'blocked-key', true`);
  await key(sha256(KEYS.expired), 'key_alias, expires', `'expired-key', now() - interval '1 day'`);
  await key(sha256(KEYS.dbModel), 'key_alias', `'db-model-key'`);
  // Before LiteLLM hashed keys (≤ v1.2x) the key itself was the row's token.
  await key(KEYS.legacyPlain, 'key_alias', `'legacy-key'`);

  // Models added through the UI: every string of litellm_params encrypted, in both of LiteLLM's formats.
  const params = (enc: (v: string) => string, p: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, enc(v)])));
  const legacy = (v: string) => encryptLegacy(v, LITELLM_SALT);
  const v3 = (v: string) => encryptV3(v, LITELLM_SALT);
  await q(`INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, model_info, created_by, updated_by) VALUES ($1, 'db-gpt', $2, $3, 'admin', 'admin')`, [
    'model-legacy',
    params(legacy, { model: 'openai/gpt-4o-mini', api_base: upstreamUrl, api_key: UPSTREAM_DB_KEY }),
    JSON.stringify({ id: 'model-legacy', db_model: true }),
  ]);
  await q(`INSERT INTO "LiteLLM_CredentialsTable" (credential_id, credential_name, credential_values, credential_info, created_by, updated_by) VALUES ('cred-id-1', 'openai-cred', $1, '{}', 'admin', 'admin')`, [
    params(v3, { api_key: UPSTREAM_CRED_KEY, api_base: upstreamUrl }),
  ]);
  await q(`INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, model_info, created_by, updated_by) VALUES ($1, 'cred-gpt', $2, '{}', 'admin', 'admin')`, [
    'model-cred',
    params(v3, { model: 'openai/gpt-4o-mini', litellm_credential_name: 'openai-cred' }),
  ]);
  await q(`INSERT INTO "LiteLLM_MCPServerTable" (server_id, server_name, url, transport, auth_type, credentials, mcp_access_groups) VALUES ('srv-1', 'github', 'https://mcp.example.com/sse', 'sse', 'bearer_token', $1, ARRAY[]::TEXT[])`, [
    JSON.stringify(v3(JSON.stringify({ auth_value: 'ghp-mcp-secret' }))),
  ]);

  // Spend: 240 rows over four days for the ok key, one failure, as LiteLLM's spend writer stores them.
  await q(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime", model, model_group, custom_llm_provider, "user", team_id, end_user, metadata, request_tags, status)
    SELECT 'chatcmpl-' || g, 'acompletion', $1, 0.001, 30, 20, 10, now() - (g || ' minutes')::interval * 20, now() - (g || ' minutes')::interval * 20 + interval '1 second',
           'gpt-4o-mini', 'gpt-4o-mini', 'openai', 'user-1', 'team-1', CASE WHEN g % 2 = 0 THEN 'cust-1' END,
           jsonb_build_object('user_api_key_alias', 'ok-key', 'user_api_key', $1::text), '["prod"]', 'success'
    FROM generate_series(1, 240) g`, [sha256(KEYS.ok)]);
  await q(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime", model, metadata, status)
    VALUES ('failed-1', 'acompletion', $1, 0, now() - interval '1 hour', now() - interval '1 hour', 'gpt-4o-mini', '{"error_information": {"error_code": "429"}}', 'failure')`, [sha256(KEYS.ok)]);
  // Months ago, before LiteLLM's log retention purged the logs: only the daily tables remember that day.
  await q(`INSERT INTO "LiteLLM_DailyUserSpend" (id, user_id, date, api_key, model, custom_llm_provider, prompt_tokens, completion_tokens, spend, api_requests, successful_requests, updated_at) VALUES
    ('d1', 'user-1', '2026-06-01', $1, 'gpt-4o-mini', 'openai', 1000, 500, 0.75, 10, 10, now()),
    ('d2', 'user-1', '2026-06-01', $1, 'gpt-4o-mini', 'openai', 100, 50, 0.25, 2, 1, now())`, [sha256(KEYS.ok)]);
  await q(`INSERT INTO "LiteLLM_AuditLog" (id, changed_by, changed_by_api_key, action, table_name, object_id, before_value, updated_values) VALUES
    ('audit-1', 'admin', 'hash-a', 'created', 'LiteLLM_VerificationToken', 'tok-1', NULL, '{"key_alias": "ok-key", "api_key": "sk-never-store-this-0000"}'),
    ('audit-2', 'admin', 'hash-a', 'updated', 'LiteLLM_TeamTable', 'team-1', '{"max_budget": 40}', '{"max_budget": 50}')`);
}

const saved: Record<string, string | undefined> = {};
const ENV = ['DATABASE_URL', 'REDIS_URL', 'LITELLM_SALT_KEY', 'LITELLM_MASTER_KEY', 'SLUICE_MASTER_KEY', 'STORE_MODEL_IN_DB'];

describe.skipIf(!!backends.skipReason.postgres)('sluice import litellm', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    for (const k of ENV) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    upstream = await startFakeUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-up', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    });
  });
  afterAll(async () => {
    await upstream?.close();
    for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  });

  /** A Sluice config on `databaseUrl` (the import and the gateway read the same). */
  function configFile(databaseUrl: string): { path: string; config: ReturnType<typeof proxyConfig> } {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-import-'));
    const config = proxyConfig(upstream.url, { general_settings: { master_key: MASTER_KEY, store_model_in_db: true }, litellm_settings: { store_audit_logs: true }, storage: { database_url: databaseUrl, data_dir: dir } });
    const path = join(dir, 'config.yaml');
    writeFileSync(path, JSON.stringify(config));
    return { path, config };
  }

  describe.each(DATABASE_BACKENDS.filter((b) => !b.skip))('into $name', (backend: DatabaseBackend) => {
    let src: LiteLLMSource;
    let target: Awaited<ReturnType<DatabaseBackend['open']>>;
    let cfg: ReturnType<typeof configFile>;
    let gw: TestGateway | undefined;
    let before: string;
    let firstRun: string;

    beforeAll(async () => {
      src = await createLiteLLMSource(backends.postgres!, 'main-029f645f.sql', backend.name.toLowerCase());
      await seed(src, upstream.url);
      before = await src.checksum();
      target = await backend.open();
      cfg = configFile(target.env.DATABASE_URL!);
    });
    afterAll(async () => {
      await gw?.close();
      await target?.drop();
      await src?.drop();
    });

    it('--dry-run reports what would be imported and every field it cannot carry, and writes nothing', async () => {
      const { code, out } = await cli(['import', 'litellm', '--from', src.url, '--config', cfg.path, '--salt-key', LITELLM_SALT, '--dry-run']);
      expect(code, out).toBe(0);
      expect(out).toContain('DRY RUN');
      expect(counts(out, 'LiteLLM_VerificationToken → sluice_virtual_keys')).toEqual([6, 6, 0, 0, 0, 0]);
      expect(counts(out, 'LiteLLM_SpendLogs → sluice_spend_logs')).toEqual([241, 241, 0, 0, 0, 0]);
      expect(out).toMatch(/not carried: .*soft_budget_cooldown \(1\)/);
      expect(out).toMatch(/not carried: password \(1\)/);
      expect(out).toContain('LiteLLM_ProjectTable: yes');
      expect(out).toContain('LiteLLM_VerificationToken.object_permission_id: yes');
      expect(out).toContain('MCP servers: 1 carried, inactive');
      // The README's sample output comes from here.
      if (process.env.IMPORT_DRY_RUN_OUT) writeFileSync(process.env.IMPORT_DRY_RUN_OUT, out);
      for (const table of ['sluice_virtual_keys', 'sluice_teams', 'sluice_users', 'sluice_spend_logs', 'sluice_proxy_models', 'sluice_audit_logs']) {
        const [{ n }] = (await target.knex(table).count({ n: '*' })) as Array<{ n: number | string }>;
        expect(Number(n), table).toBe(0);
      }
    });

    it('imports every entity; a second run changes nothing; the source is never written', async () => {
      const first = await cli(['import', 'litellm', '--from', src.url, '--config', cfg.path, '--salt-key', LITELLM_SALT]);
      expect(first.code, first.out + first.err).toBe(0);
      firstRun = first.out;
      expect(counts(firstRun, 'LiteLLM_VerificationToken → sluice_virtual_keys')).toEqual([6, 6, 0, 0, 0, 0]);
      expect(counts(firstRun, 'LiteLLM_TeamTable.members_with_roles → sluice_team_members')).toEqual([3, 2, 0, 0, 0, 1]);
      expect(counts(firstRun, 'LiteLLM_ProxyModelTable → sluice_proxy_models')).toEqual([2, 2, 0, 0, 0, 0]);
      expect(counts(firstRun, 'LiteLLM_AuditLog → sluice_audit_logs')).toEqual([2, 2, 0, 0, 0, 0]);

      const second = await cli(['import', 'litellm', '--from', src.url, '--config', cfg.path, '--salt-key', LITELLM_SALT]);
      expect(second.code, second.out).toBe(0);
      for (const line of second.out.split('\n').filter((l) => l.startsWith('LiteLLM_'))) {
        if (!line.includes('→')) continue;
        const [, inserted, updated] = line.trim().split(/\s+/).slice(-6).map(Number);
        expect([inserted, updated], line).toEqual([0, 0]);
      }
      expect(await src.checksum()).toBe(before);
    });

    it('keys keep working with their limits, spend, blocked and expired state; every entity reads back through the API', async () => {
      gw = await startGateway(cfg.config, { env: { DATABASE_URL: target.env.DATABASE_URL! } });
      const admin = { authorization: `Bearer ${MASTER_KEY}` };
      const get = async (path: string) => {
        const r = await fetch(`${gw!.url}${path}`, { headers: admin });
        expect(r.status, `${path}: ${await r.clone().text()}`).toBe(200);
        return (await r.json()) as Record<string, any>;
      };
      const post = async (path: string, body: unknown) => {
        const r = await fetch(`${gw!.url}${path}`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(r.status, `${path}: ${await r.clone().text()}`).toBe(200);
        return (await r.json()) as any;
      };

      const key = (await get(`/key/info?key=${KEYS.ok}`)).info;
      expect(key).toMatchObject({ key_alias: 'ok-key', spend: 1.25, max_budget: 10, rpm_limit: 100, tpm_limit: 100000, budget_duration: '30d', user_id: 'user-1', team_id: 'team-1', tags: ['prod'] });
      expect(key.object_permission).toMatchObject({ mcp_servers: ['srv-1'], vector_stores: ['vs-1'] });
      expect(key.metadata.model_rpm_limit).toEqual({ 'gpt-4o-mini': 50 });
      expect(Date.parse(key.budget_reset_at)).toBeGreaterThan(Date.now());

      const user = await get('/user/info?user_id=user-1');
      expect(user.user_info).toMatchObject({ user_email: 'ada@example.com', spend: 3, max_budget: 20, budget_duration: '7d', user_role: 'internal_user' });
      expect(JSON.stringify(user)).not.toContain('pbkdf2');

      const team = await get('/team/info?team_id=team-1');
      expect(team.team_info).toMatchObject({ team_alias: 'Research', organization_id: 'org-1', max_budget: 50, spend: 7, tpm_limit: 10000, rpm_limit: 100, model_aliases: { fast: 'gpt-4o-mini' } });
      expect(team.team_info.members_with_roles).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: 'user-1', role: 'admin' }), expect.objectContaining({ user_id: 'user-2', role: 'user' })]));
      expect(team.team_memberships).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: 'user-2', spend: 1.5 })]));

      const org = await get('/organization/info?organization_id=org-1');
      expect(org).toMatchObject({ organization_alias: 'Acme', spend: 12.5, budget_id: 'b-org' });
      expect(org.litellm_budget_table).toMatchObject({ max_budget: 100, rpm_limit: 1000 });

      const customer = await get('/customer/info?end_user_id=cust-1');
      expect(customer).toMatchObject({ user_id: 'cust-1', alias: 'Customer One', spend: 0.25, allowed_model_region: 'eu' });
      expect(customer.litellm_budget_table).toMatchObject({ max_budget: 1 });
      expect((await get('/customer/info?end_user_id=cust-blocked')).blocked).toBe(true);

      expect((await post('/budget/info', { budgets: ['b-member'] }))[0]).toMatchObject({ budget_id: 'b-member', max_budget: 5 });
      expect((await post('/tag/info', { names: ['prod'] })).prod).toMatchObject({ description: 'production traffic', spend: 2 });
      expect((await get('/project/info?project_id=proj-1'))).toMatchObject({ project_alias: 'Chatbot', team_id: 'team-1' });

      const models = (await get('/model/info')).data as Array<{ model_name: string; model_info: { id: string } }>;
      expect(models.map((m) => m.model_name)).toEqual(expect.arrayContaining(['db-gpt', 'cred-gpt']));
      expect(JSON.stringify(models)).not.toContain(UPSTREAM_DB_KEY);

      const logs = (await get(`/spend/logs?api_key=${sha256(KEYS.ok)}`)) as unknown as Array<{ request_id: string; spend: number }>;
      expect(logs.length).toBe(241);

      // Calls with the imported keys.
      const client = (k: string) => new OpenAI({ apiKey: k, baseURL: `${gw!.url}/v1`, maxRetries: 0 });
      const chat = (k: string, model = 'gpt-4o-mini') => client(k).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      await expect(chat(KEYS.ok)).resolves.toMatchObject({ choices: [{ message: { content: 'hi' } }] });
      await expect(chat(KEYS.legacyPlain)).resolves.toMatchObject({ object: 'chat.completion' });
      await expect(chat(KEYS.atBudget)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/budget/i) });
      await expect(chat(KEYS.blocked)).rejects.toMatchObject({ message: expect.stringMatching(/blocked/i) });
      await expect(chat(KEYS.expired)).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/expired/i) });

      // Models whose credentials LiteLLM encrypted serve calls with the decrypted keys.
      upstream.requests.length = 0;
      await expect(chat(KEYS.dbModel, 'db-gpt')).resolves.toMatchObject({ object: 'chat.completion' });
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_DB_KEY}`);
      await expect(chat(KEYS.dbModel, 'cred-gpt')).resolves.toMatchObject({ object: 'chat.completion' });
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_CRED_KEY}`);

      // Re-encrypted with Sluice's salt key (here its master key), never stored in plain.
      const stored = JSON.stringify(await target.knex('sluice_proxy_models').select('litellm_params'));
      expect(stored).not.toContain(UPSTREAM_DB_KEY);
      expect(stored).not.toContain('openai/gpt-4o-mini');
      const audit = JSON.stringify(await target.knex('sluice_audit_logs').select('*'));
      expect(audit).not.toContain('sk-never-store-this');

      // A day only LiteLLM's daily table remembers reads back in the spend report, summed.
      const june = await target.knex('sluice_spend_daily').where({ day: '2026-06-01', api_key: sha256(KEYS.ok) });
      expect(june.map((r) => ({ spend: Number(r.spend), requests: Number(r.api_requests), failed: Number(r.failed_requests) }))).toEqual([{ spend: 1, requests: 12, failed: 0 }]);
    });
  });

  it('opens the source read-only: a write is refused by Postgres, not just never attempted', async () => {
    const src = await createLiteLLMSource(backends.postgres!, 'older-variant.sql', 'ro');
    const source = await openSource(src.url);
    try {
      await source.begin();
      await expect(source.query(`INSERT INTO "LiteLLM_BudgetTable" (budget_id, created_by, updated_by) VALUES ('x', 'a', 'a')`)).rejects.toThrow(/read-only transaction/);
      await source.end().catch(() => undefined);
      // Outside the import's transactions too: the session's default is read-only.
      await expect(source.query(`DELETE FROM "LiteLLM_BudgetTable"`)).rejects.toThrow(/read-only transaction/);
      expect([...(await source.columns('LiteLLM_VerificationToken'))]).toContain('token');
      expect((await source.columns('LiteLLM_ProjectTable')).size).toBe(0);
    } finally {
      await source.close();
      await src.drop();
    }
  });

  it('runs importers in `after` order and refuses a cycle', () => {
    const imp = (entity: string, after?: string[]) => ({ source: 'litellm' as const, entity, after, run: async () => ({}) });
    expect(orderImporters([imp('spend', ['keys']), imp('audit', ['keys', 'models']), imp('keys'), imp('models', ['absent'])]).map((i) => i.entity)).toEqual(['keys', 'spend', 'models', 'audit']);
    expect(() => orderImporters([imp('a', ['b']), imp('b', ['a'])])).toThrow(/cycle: a → b → a/);
  });

  it('refuses bad usage with exit code 2 and a clear message', async () => {
    expect(await cli(['import', 'mysql', '--from', 'postgres://x/y'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown source "mysql"') });
    expect(await cli(['import', 'litellm'])).toMatchObject({ code: 2, err: expect.stringContaining('--from postgres://') });
    expect(await cli(['import', 'litellm', '--from', 'postgres://x/y', '--since', 'yesterday'])).toMatchObject({ code: 2, err: expect.stringContaining('"yesterday" is not a date') });
    expect(await cli(['import', 'litellm', '--from', 'postgres://x/y', '--follow', '--dry-run'])).toMatchObject({ code: 2 });
  });

  it('tolerates an older LiteLLM schema and says which features it found', async () => {
    const src = await createLiteLLMSource(backends.postgres!, 'older-variant.sql', 'old');
    const target = await DATABASE_BACKENDS[0]!.open();
    try {
      await src.client.query(`INSERT INTO "LiteLLM_VerificationToken" (token, key_name, models, max_budget, spend, team_id) VALUES ($1, 'sk-...0001', ARRAY[]::TEXT[], 3, 1, 'team-old')`, [sha256(KEYS.ok)]);
      await src.client.query(`INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, members_with_roles, models) VALUES ('team-old', 'Old team', '[{"role": "admin", "user_id": "u-old"}]', ARRAY[]::TEXT[])`);
      await src.client.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime") VALUES ('old-1', 'acompletion', $1, 0.5, now(), now())`, [sha256(KEYS.ok)]);
      const cfg = configFile(target.env.DATABASE_URL!);
      // --since: logs from then on only (none here).
      const later = await cli(['import', 'litellm', '--from', src.url, '--config', cfg.path, '--dry-run', '--since', new Date(Date.now() + 3_600_000).toISOString()]);
      expect(later.code, later.out + later.err).toBe(0);
      expect(counts(later.out, 'LiteLLM_SpendLogs → sluice_spend_logs')).toEqual([0, 0, 0, 0, 0, 0]);
      const { code, out, err } = await cli(['import', 'litellm', '--from', src.url, '--config', cfg.path]);
      expect(code, out + err).toBe(0);
      expect(out).toContain('LiteLLM_ProjectTable: absent');
      expect(out).toContain('LiteLLM_VerificationToken.object_permission_id: absent');
      expect(out).toContain('LiteLLM_MCPServerTable: absent');
      expect(counts(out, 'LiteLLM_VerificationToken → sluice_virtual_keys')).toEqual([1, 1, 0, 0, 0, 0]);
      expect(counts(out, 'LiteLLM_SpendLogs → sluice_spend_logs')).toEqual([1, 1, 0, 0, 0, 0]);
      const row = await target.knex('sluice_virtual_keys').where('token_hash', sha256(KEYS.ok)).first();
      expect(Number(row.max_budget)).toBe(3);
      expect(Number(row.spend)).toBe(1);
    } finally {
      await target.drop();
      await src.drop();
    }
  });

  it('--follow imports keys and spend added while LiteLLM keeps running, until SIGINT', async () => {
    const src = await createLiteLLMSource(backends.postgres!, 'main-029f645f.sql', 'follow');
    const target = await DATABASE_BACKENDS[0]!.open();
    try {
      const cfg = configFile(target.env.DATABASE_URL!);
      await src.client.query(`INSERT INTO "LiteLLM_VerificationToken" (token, key_name, models, updated_at) VALUES ($1, 'sk-...irst', ARRAY[]::TEXT[], '2020-01-01')`, [sha256('sk-there-at-first-000001')]);
      const running = cli(['import', 'litellm', '--from', src.url, '--config', cfg.path, '--follow', '--interval', '1']);
      const has = async (table: string, column: string, value: string) => (await target.knex(table).where(column, value).first().catch(() => undefined)) !== undefined;
      const firstDeadline = Date.now() + 20_000;
      while (!(await has('sluice_virtual_keys', 'token_hash', sha256('sk-there-at-first-000001')))) {
        if (Date.now() > firstDeadline) throw new Error('the first pass did not import');
        await new Promise((r) => setTimeout(r, 100));
      }
      // LiteLLM keeps serving: a key is created and spend is logged after the first pass.
      await src.client.query(`INSERT INTO "LiteLLM_VerificationToken" (token, key_name, models, updated_at) VALUES ($1, 'sk-...late', ARRAY[]::TEXT[], now())`, [sha256('sk-added-later-0000001')]);
      await src.client.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime") VALUES ('late-1', 'acompletion', $1, 0.5, now(), now())`, [sha256('sk-added-later-0000001')]);
      const deadline = Date.now() + 20_000;
      while (!((await has('sluice_virtual_keys', 'token_hash', sha256('sk-added-later-0000001'))) && (await has('sluice_spend_logs', 'request_id', 'late-1')))) {
        if (Date.now() > deadline) throw new Error('follow did not import the new rows');
        await new Promise((r) => setTimeout(r, 200));
      }
      // LiteLLM adds spend with plain UPDATEs that leave updated_at alone: still followed.
      await src.client.query(`UPDATE "LiteLLM_VerificationToken" SET spend = 3.5 WHERE token = $1`, [sha256('sk-there-at-first-000001')]);
      const spendOf = async () => Number((await target.knex('sluice_virtual_keys').where('token_hash', sha256('sk-there-at-first-000001')).first())?.spend);
      while ((await spendOf()) !== 3.5) {
        if (Date.now() > deadline) throw new Error('follow did not carry the new spend');
        await new Promise((r) => setTimeout(r, 200));
      }
      // A key revoked in LiteLLM (moved to its deleted-keys table) stops working here too.
      await src.client.query(`DELETE FROM "LiteLLM_VerificationToken" WHERE token = $1`, [sha256('sk-there-at-first-000001')]);
      await src.client.query(`INSERT INTO "LiteLLM_DeletedVerificationToken" (id, token) VALUES ('del-1', $1)`, [sha256('sk-there-at-first-000001')]);
      while (await has('sluice_virtual_keys', 'token_hash', sha256('sk-there-at-first-000001'))) {
        if (Date.now() > deadline) throw new Error('follow did not delete the revoked key');
        await new Promise((r) => setTimeout(r, 200));
      }
      process.emit('SIGINT');
      const { code, out } = await running;
      expect(code).toBe(0);
      expect(out).toContain('pass 2');
      expect(out).toMatch(/LiteLLM_VerificationToken → sluice_virtual_keys\s+\d+\s+1\s+0/);
    } finally {
      await target.drop();
      await src.drop();
    }
  });
});
