/**
 * Audit log end to end, on SQLite and on Postgres: management calls made through the gateway
 * (/key/generate, /key/update) become audit rows, listed and filtered at /audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { DATABASE_BACKENDS, until, type DatabaseBackend } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { stripSecrets, REDACTED } from '../src/audit-row.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const config = (auditConfig: object = {}): SluiceConfig =>
  ({
    model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'audit-log', config: { flush_interval_ms: 100, ...auditConfig } }],
  }) as SluiceConfig;

async function send(gw: TestGateway, method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<{ status: number; text: string; json: Json }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}


describe('stripSecrets', () => {
  it('drops credential-named fields and key-shaped values, keeps what describes a key', () => {
    const out = stripSecrets({
      key: 'sk-abcdefghijklmnopqrstuvwx',
      token: 'abc',
      api_key: 'x',
      master_key: 'y',
      client_secret: 'z',
      password: 'p',
      key_alias: 'billing',
      key_name: 'sk-...wxyz',
      metadata: { note: 'sk-abcdefghijklmnopqrstuvwx', nested: [{ access_token: 't', keep: 1 }] },
    });
    expect(out).toEqual({ key_alias: 'billing', key_name: 'sk-...wxyz', metadata: { note: REDACTED, nested: [{ keep: 1 }] } });
  });
});

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(`audit log on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let gw: TestGateway;
    let db: Awaited<ReturnType<DatabaseBackend['open']>>;
    let generated: Json;

    beforeAll(async () => {
      db = await backend.open();
      gw = await startGateway(config(), { env: db.env });
      const r = await send(gw, 'POST', '/key/generate', { key_alias: 'audited', max_budget: 5 });
      expect(r.status, r.text).toBe(200);
      generated = r.json;
      const u = await send(gw, 'POST', '/key/update', { key: generated.key, max_budget: 9 });
      expect(u.status, u.text).toBe(200);
      await until(async () => (await send(gw, 'GET', '/audit')).json.total >= 2);
    }, 30_000);
    afterAll(async () => {
      await gw?.close();
      await db?.drop();
    });

    it('records /key/generate and /key/update made through the gateway, with actor, before/after, IP and no secret', async () => {
      const r = await send(gw, 'GET', `/audit?object_id=${generated.token}`);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toMatchObject({ total: 2, page: 1, page_size: 10, total_pages: 1 });
      const [update, create] = r.json.audit_logs; // newest first
      expect(create).toMatchObject({ action: 'key.generate', changed_by_role: 'proxy_admin', object_id: generated.token, before_value: null, ip: '127.0.0.1' });
      expect(create.changed_by).toEqual(expect.any(String));
      expect(create.updated_values).toMatchObject({ key_alias: 'audited', max_budget: 5 });
      expect(update).toMatchObject({ action: 'key.update', before_value: { max_budget: 5 }, updated_values: { max_budget: 9 } });
      expect(Date.parse(update.updated_at)).toBeGreaterThanOrEqual(Date.parse(create.updated_at));
      expect(JSON.stringify(r.json)).not.toContain(generated.key);
      const stored = await db.knex('sluice_audit_logs').select();
      expect(JSON.stringify(stored)).not.toContain(generated.key);
    });

    it('filters by action, table_name, changed_by and dates, pages, and serves one entry by id', async () => {
      const gen = await send(gw, 'GET', '/audit?action=key.generate');
      expect(gen.json.audit_logs.every((a: Json) => a.action === 'key.generate')).toBe(true);
      expect(gen.json.total).toBeGreaterThanOrEqual(1);
      const { table_name, changed_by, id } = gen.json.audit_logs[0];
      expect((await send(gw, 'GET', `/audit?table_name=${table_name}&changed_by=${encodeURIComponent(changed_by)}`)).json.total).toBe(2);
      expect((await send(gw, 'GET', '/audit?changed_by=nobody')).json).toEqual({ audit_logs: [], total: 0, page: 1, page_size: 10, total_pages: 0 });
      expect((await send(gw, 'GET', '/audit?start_date=2020-01-01&end_date=2020-01-02')).json.total).toBe(0);
      const today = new Date().toISOString().slice(0, 10);
      expect((await send(gw, 'GET', `/audit?start_date=${today}&end_date=${today}`)).json.total).toBe(2);
      const p1 = await send(gw, 'GET', '/audit?page_size=1&page=1');
      const p2 = await send(gw, 'GET', '/audit?page_size=1&page=2');
      expect(p1.json.total_pages).toBe(2);
      expect(p1.json.audit_logs[0].id).not.toBe(p2.json.audit_logs[0].id);
      const one = await send(gw, 'GET', `/audit/${id}`);
      expect(one.json).toEqual(gen.json.audit_logs[0]);
      const missing = await send(gw, 'GET', '/audit/nope');
      expect(missing.status).toBe(404);
      expect(missing.json.error.message).toBe('Audit log with ID nope not found');
    });

    it('only proxy admins and admin viewers read it', async () => {
      const r = await send(gw, 'GET', '/audit', undefined, generated.key);
      expect(r.status).toBe(403);
      expect(r.json.error).toEqual(expect.objectContaining({ message: expect.any(String) }));
    });
  });

  describe.skipIf(backend.skip !== undefined)(`audit log lifecycle on ${backend.name}`, () => {
    it('audit_log_retention purges old rows; close flushes what is queued', async () => {
      const db = await backend.open();
      try {
        const gw = await startGateway(config({ audit_log_retention: '30d', audit_log_retention_interval: '1s', flush_interval_ms: 60_000 }), { env: db.env });
        try {
          await db.knex('sluice_audit_logs').insert({ id: 'old', updated_at: Date.now() - 40 * 86_400_000, action: 'key.generate', table_name: 'virtual_key', object_id: 'x' });
          await until(async () => (await db.knex('sluice_audit_logs').where('id', 'old')).length === 0);
          expect((await send(gw, 'POST', '/key/generate', {})).status).toBe(200);
        } finally {
          await gw.close();
        }
        expect((await db.knex('sluice_audit_logs').select('action')).map((r) => r.action)).toEqual(['key.generate']);
      } finally {
        await db.drop();
      }
    }, 30_000);
  });
}

describe('enabled the LiteLLM way', () => {
  it('turns on with litellm_settings.store_audit_logs: true and records a key generation', async () => {
    const gw = await startGateway({
      model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }],
      general_settings: { master_key: MASTER_KEY },
      litellm_settings: { store_audit_logs: true },
    } as SluiceConfig);
    try {
      expect(gw.gateway.plugins.map((p) => p.id)).toContain('audit-log');
      expect(gw.gateway.warnings.join('\n')).not.toContain('store_audit_logs');
      const made = await send(gw, 'POST', '/key/generate', { key_alias: 'audited' });
      expect(made.status).toBe(200);
      await until(async () => (await send(gw, 'GET', '/audit')).json.audit_logs?.length > 0);
    } finally {
      await gw.close();
    }
  });

  it('stays off without it', async () => {
    const gw = await startGateway({
      model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1' } }],
      general_settings: { master_key: MASTER_KEY },
    } as SluiceConfig);
    try {
      expect(gw.gateway.plugins.map((p) => p.id)).not.toContain('audit-log');
      expect((await send(gw, 'GET', '/audit')).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});
