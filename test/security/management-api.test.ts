/**
 * Issue 12, "Management API (tenancy)", items 1–7: each attack from the security review, replayed
 * against a gateway on SQLite and on Postgres. Roles come from real users and memberships:
 * `iu` an internal_user of team t-a (org o-a), `ta` the admin of t-a, `boss` a proxy_admin user,
 * `ub` a member of team t-b (org o-b, the other tenant, with project p-b).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, tenancyConfig } from '../../plugins/governance-tenancy/test/tenancy-client.js';
import { CONTROL_SETTERS_MIGRATION } from '../../plugins/governance-tenancy/src/setters-migration.js';
import { DATABASE_BACKENDS, type DatabaseBackend } from '../support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../support/gateway.js';

type Api = ReturnType<typeof client>;
type Opened = Awaited<ReturnType<DatabaseBackend['open']>>;

async function world(api: Api) {
  for (const o of ['o-a', 'o-b']) await api.ok('POST', '/organization/new', { organization_id: o });
  await api.ok('POST', '/team/new', { team_id: 't-a', organization_id: 'o-a', models: ['a'], max_budget: 5, members_with_roles: [{ user_id: 'iu', role: 'user' }, { user_id: 'ta', role: 'admin' }] });
  await api.ok('POST', '/team/new', { team_id: 't-b', organization_id: 'o-b', members_with_roles: [{ user_id: 'ub', role: 'user' }] });
  await api.ok('POST', '/project/new', { project_id: 'p-a', team_id: 't-a' });
  await api.ok('POST', '/project/new', { project_id: 'p-b', team_id: 't-b' });
  await api.ok('POST', '/user/new', { user_id: 'boss', user_role: 'proxy_admin', auto_create_key: false });
  return {
    ta: await api.keyFor({ user_id: 'ta' }),
    ub: await api.keyFor({ user_id: 'ub', team_id: 't-b' }),
  };
}

const forbidden = (r: { status: number; json: any }) => r.status === 403 && r.json?.error?.code === '403' && typeof r.json.error.message === 'string'; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(DATABASE_BACKENDS)('management API privileges on $name (issue 12)', (backend) => {
  let db: Opened;
  let gw: TestGateway;
  const api = client(() => gw);
  let keys: Awaited<ReturnType<typeof world>>;
  /** A fresh key of `iu`'s, so no test depends on what an earlier one did (or failed to refuse). */
  const iuKey = () => api.keyFor({ user_id: 'iu' });

  beforeAll(async () => {
    if (backend.skip) return;
    db = await backend.open();
    gw = await startGateway(tenancyConfig(), { env: db.env });
    keys = await world(api);
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  describe.skipIf(!!backend.skip)('item 1: internal_user → proxy_admin through /key/update user_id', () => {
    it('refuses binding its own key to a proxy_admin user, and the key stays without admin rights', async () => {
      const own = await iuKey();
      const r = await api.post('/key/update', { key: own, user_id: 'boss' }, own);
      expect(forbidden(r), r.text).toBe(true);
      expect((await api.post('/organization/new', { organization_id: 'stolen-1' }, own)).status).toBe(403);
    });

    it('refuses binding its own key to another user, or to no user at all', async () => {
      for (const user_id of ['ub', 'ta', null]) {
        const own = await iuKey();
        const r = await api.post('/key/update', { key: own, user_id }, own);
        expect(forbidden(r), `${user_id}: ${r.text}`).toBe(true);
      }
    });
  });

  describe.skipIf(!!backend.skip)('item 2: team admin → proxy_admin through /key/generate user_id', () => {
    it('refuses minting a team key for a proxy_admin user', async () => {
      const r = await api.post('/key/generate', { team_id: 't-a', user_id: 'boss' }, keys.ta);
      expect(forbidden(r), r.text).toBe(true);
    });

    it('refuses binding a user outside its team, and one whose role is above its own', async () => {
      expect(forbidden(await api.post('/key/generate', { team_id: 't-a', user_id: 'ub' }, keys.ta))).toBe(true);
      await api.ok('POST', '/user/new', { user_id: 'oa-2', auto_create_key: false });
      await api.ok('POST', '/organization/member_add', { organization_id: 'o-b', member: { user_id: 'oa-2', role: 'org_admin' } });
      await api.ok('POST', '/team/member_add', { team_id: 't-a', member: { user_id: 'oa-2', role: 'user' } });
      expect(forbidden(await api.post('/key/generate', { team_id: 't-a', user_id: 'oa-2' }, keys.ta))).toBe(true);
    });

    it('still mints keys for its own members', async () => {
      const r = await api.post('/key/generate', { team_id: 't-a', user_id: 'iu' }, keys.ta);
      expect(r.status, r.text).toBe(200);
    });
  });

  describe.skipIf(!!backend.skip)("item 3: a team admin may not change its team's budget or models", () => {
    it('refuses max_budget, models and the other team controls', async () => {
      for (const body of [{ max_budget: 1000 }, { models: ['a', 'b'] }, { tpm_limit: 1e9 }, { guardrails: ['banned_keywords'] }, { blocked: true }, { metadata: { permissions: { banned_keywords: false } } }]) {
        const r = await api.post('/team/update', { team_id: 't-a', ...body }, keys.ta);
        expect(forbidden(r), `${JSON.stringify(body)}: ${r.text}`).toBe(true);
      }
      const team = await api.ok('GET', '/team/info?team_id=t-a');
      expect(team.team_info).toMatchObject({ max_budget: 5, models: ['a'] });
    });

    it('may still rename it', async () => {
      expect((await api.post('/team/update', { team_id: 't-a', team_alias: 'A team' }, keys.ta)).status).toBe(200);
    });
  });

  describe.skipIf(!!backend.skip)("item 4: an internal_user may not move its key into another tenant's organization or project", () => {
    it('refuses organization_id / project_id of another tenant on /key/update and /key/generate', async () => {
      const own = await iuKey();
      for (const body of [{ organization_id: 'o-b' }, { project_id: 'p-b' }, { team_id: 't-b' }]) {
        const updated = await api.post('/key/update', { key: own, ...body }, own);
        expect(forbidden(updated), `update ${JSON.stringify(body)}: ${updated.text}`).toBe(true);
        const generated = await api.post('/key/generate', body, own);
        expect(forbidden(generated), `generate ${JSON.stringify(body)}: ${generated.text}`).toBe(true);
      }
      const info = await api.ok('GET', `/key/info?key=${own}`);
      expect(info.info).toMatchObject({ organization_id: null, project_id: null });
    });

    it("accepts its own team's organization and project", async () => {
      const r = await api.post('/key/generate', { team_id: 't-a', organization_id: 'o-a', project_id: 'p-a' }, await iuKey());
      expect(r.status, r.text).toBe(200);
    });
  });

  describe.skipIf(!!backend.skip)('item 5: an internal_user may not lift controls an admin set on its key', () => {
    /** A key an admin limited, and another key of the same user to act with. */
    const limitedKey = async () => ({
      limited: await api.keyFor({ user_id: 'iu', max_budget: 1, spend: 0.9, rpm_limit: 10, guardrails: ['banned_keywords'], permissions: { hide_secrets: true } }),
      own: await iuKey(),
    });

    it('refuses switching guardrails off (permissions false, allow_request_<name>_off), on update and on generate', async () => {
      const { limited, own } = await limitedKey();
      for (const permissions of [{ banned_keywords: false }, { allow_request_banned_keywords_off: true }]) {
        expect(forbidden(await api.post('/key/update', { key: limited, permissions }, own)), JSON.stringify(permissions)).toBe(true);
        expect(forbidden(await api.post('/key/update', { key: own, permissions }, own)), JSON.stringify(permissions)).toBe(true);
        expect(forbidden(await api.post('/key/generate', { permissions }, own)), JSON.stringify(permissions)).toBe(true);
      }
      expect(forbidden(await api.post('/key/update', { key: limited, guardrails: [] }, own))).toBe(true);
    });

    it('refuses lifting the budget (spend: 0, a higher or no max_budget) and the rate limit', async () => {
      const { limited, own } = await limitedKey();
      for (const body of [{ spend: 0 }, { max_budget: 100 }, { max_budget: null }, { rpm_limit: 1000 }, { temp_budget_increase: 10, temp_budget_expiry: '2099-01-01T00:00:00Z' }]) {
        const r = await api.post('/key/update', { key: limited, ...body }, own);
        expect(forbidden(r), `${JSON.stringify(body)}: ${r.text}`).toBe(true);
      }
      const info = await api.ok('GET', `/key/info?key=${limited}`);
      expect(info.info).toMatchObject({ max_budget: 1, spend: 0.9, rpm_limit: 10, guardrails: ['banned_keywords'] });
    });

    it('may make its key stricter', async () => {
      const { limited, own } = await limitedKey();
      const r = await api.post('/key/update', { key: limited, max_budget: 0.5, rpm_limit: 5, permissions: { hide_secrets: true, banned_keywords: true } }, own);
      expect(r.status, r.text).toBe(200);
    });

    it('refuses unblocking a key an admin blocked (/key/unblock and /key/update blocked: false)', async () => {
      const { limited: blocked, own } = await limitedKey();
      await api.ok('POST', '/key/block', { key: blocked });
      expect(forbidden(await api.post('/key/unblock', { key: blocked }, own))).toBe(true);
      expect(forbidden(await api.post('/key/update', { key: blocked, blocked: false }, own))).toBe(true);
      expect((await api.chat(blocked)).status).toBe(401);
    });

    it('keeps the controls of keys and teams made before the upgrade as an admin\'s (migration 0005)', async () => {
      const { own } = await limitedKey();
      const old = await api.keyFor({ user_id: 'iu', max_budget: 1, tags: ['t1'] });
      await api.ok('POST', '/user/new', { user_id: 'oa', auto_create_key: false });
      await api.ok('POST', '/organization/member_add', { organization_id: 'o-a', member: { user_id: 'oa', role: 'org_admin' } });
      const orgAdmin = await api.keyFor({ user_id: 'oa' });
      // Back to the schema before 0005, then a gateway starting on it migrates again.
      await CONTROL_SETTERS_MIGRATION.down(db.knex);
      await db.knex('sluice_migrations').where('name', 'governance-tenancy/0005_control_setters').delete();
      const upgraded = await startGateway(tenancyConfig(), { env: db.env });
      try {
        const at = client(() => upgraded);
        expect(forbidden(await at.post('/key/update', { key: old, max_budget: 100 }, own))).toBe(true);
        expect(forbidden(await at.post('/key/update', { key: old, tags: [] }, own))).toBe(true);
        expect((await at.post('/key/update', { key: old, max_budget: 0.5 }, own)).status).toBe(200);
        expect(forbidden(await at.post('/team/update', { team_id: 't-a', max_budget: 1000 }, orgAdmin))).toBe(true);
        expect((await at.post('/team/update', { team_id: 't-a', team_alias: 'still renamed' }, orgAdmin)).status).toBe(200);
      } finally {
        await upgraded.close();
      }
    });

    it('may unblock a key it blocked itself', async () => {
      const acting = await iuKey();
      const own = (await api.ok('POST', '/key/generate', {}, acting)).key as string;
      expect((await api.post('/key/block', { key: own }, acting)).status).toBe(200);
      expect((await api.post('/key/unblock', { key: own }, acting)).status).toBe(200);
    });
  });

  describe.skipIf(!!backend.skip)('item 6: /key/generate with a chosen key', () => {
    it('refuses the master key as a chosen key, for every role', async () => {
      for (const key of [MASTER_KEY, await iuKey(), keys.ta]) {
        const r = await api.post('/key/generate', { key: MASTER_KEY }, key);
        expect(r.status, r.text).toBe(400);
        expect(r.text).not.toContain(MASTER_KEY);
      }
      const own = await iuKey();
      const regenerated = await api.post('/key/regenerate', { key: own, new_key: MASTER_KEY }, own);
      expect(regenerated.status, regenerated.text).toBe(400);
    });

    it('answers an existing key exactly as any other refused value, for a non-admin', async () => {
      const own = await iuKey();
      const existing = await api.post('/key/generate', { key: keys.ub }, own);
      const master = await api.post('/key/generate', { key: MASTER_KEY }, own);
      expect(existing.status).toBe(400);
      expect({ status: existing.status, body: existing.json }).toEqual({ status: master.status, body: master.json });
      expect(existing.text).not.toMatch(/exist/i);
    });
  });

  describe.skipIf(!!backend.skip)('item 7: secrets never reach stored spend rows', () => {
    it('scrubs the master key (and any sk- key) from every stored string field', async () => {
      const secret = MASTER_KEY;
      const res = await api.chat(keys.ub, { model: secret, user: `end-${secret}`, metadata: { note: `see ${secret}`, tags: [`tag-${secret}`] } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toContain(secret);
      const ok = await api.chat(keys.ub, { model: 'b', user: `user-${keys.ub}`, metadata: { note: `mine: ${keys.ub}` } });
      expect(ok.status, ok.text).toBe(200);
      const stored = async () => JSON.stringify(await db.knex('sluice_spend_logs').select());
      expect(await eventually(async () => (await db.knex('sluice_spend_logs').select()).length >= 2, 10_000)).toBe(true);
      const rows = await stored();
      expect(rows).not.toContain(secret);
      expect(rows).not.toContain(keys.ub);
      expect(rows).toContain('[REDACTED]');
      expect(JSON.stringify(await db.knex('sluice_spend_daily').select())).not.toContain(secret);
    });
  });
});
