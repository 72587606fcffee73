/**
 * LiteLLM's per-team and per-key logging management, end to end through a real gateway:
 * `POST|GET /team/{team_id}/callback`, `DELETE /team/{team_id}/callback/{name}`,
 * `POST /team/{team_id}/disable_logging`, a key's `metadata.logging` on /key/generate|update,
 * `POST /key/health`, `GET /callbacks/list` — each against every role, with LiteLLM's bodies and
 * messages, credentials masked in answers and redacted in audit rows. Then the calls themselves,
 * logged by the real `langfuse` integration to fake Langfuse servers (proven with the official
 * client in plugins/logging-langfuse/test/fake-langfuse-server.test.ts): each team's calls reach
 * its own project only, a key's own logging wins, the request header turns langfuse off, and a
 * team with logging disabled reaches no destination at all though the gateway logs to langfuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { startFakeLangfuse, type FakeLangfuse } from '../../logging-langfuse/test/fake-langfuse-server.js';
import { client, tenancyConfig } from './tenancy-client.js';

const audits: Array<Record<string, unknown>> = ((globalThis as unknown as { __teamLoggingAudit: Array<Record<string, unknown>> }).__teamLoggingAudit = []);
const auditRecorder = writeTestPlugin({
  id: 'team-logging-audit-recorder',
  hooks: { onAudit: { stage: 'OBSERVE' } },
  source: pluginSource('return { onAudit: async (e) => { globalThis.__teamLoggingAudit.push(e); } };'),
});

const SECRET_A = 'sk-lf-team-a-very-secret';
const SECRET_B = 'sk-lf-team-b-very-secret';
const SECRET_KEY_LEVEL = 'sk-lf-key-level-very-secret';
const GLOBAL_SECRET = 'sk-lf-gateway-secret';

let gw: TestGateway;
const api = client(() => gw);
let globalLf: FakeLangfuse;
let lfA: FakeLangfuse;
let lfB: FakeLangfuse;
let lfKey: FakeLangfuse;

/** Keys by role: the master key (proxy_admin), team-a's admin, team-b's admin, a member of team-a, a key of team-b. */
const keys: Record<'proxyAdmin' | 'teamAdminA' | 'teamAdminB' | 'internalUser' | 'otherTeamKey' | 'teamKeyA' | 'teamKeyB', string> = {} as never;

const varsFor = (lf: FakeLangfuse, pk: string, sk: string) => ({ langfuse_public_key: pk, langfuse_secret_key: sk, langfuse_host: lf.url });

beforeAll(async () => {
  [globalLf, lfA, lfB, lfKey] = await Promise.all([startFakeLangfuse(), startFakeLangfuse(), startFakeLangfuse(), startFakeLangfuse()]);
  const config = tenancyConfig({
    litellm_settings: { success_callback: ['langfuse'], failure_callback: ['langfuse'] },
    plugins: [{ use: 'team-logging-audit-recorder' }],
  } as Partial<SluiceConfig>);
  gw = await startGateway(config, {
    extraPluginDirs: [auditRecorder],
    env: { LANGFUSE_PUBLIC_KEY: 'pk-lf-gateway', LANGFUSE_SECRET_KEY: GLOBAL_SECRET, LANGFUSE_HOST: globalLf.url, LANGFUSE_FLUSH_INTERVAL: '0.05' },
  });
  for (const user_id of ['ta-admin', 'tb-admin', 'ta-member']) await api.ok('POST', '/user/new', { user_id, user_role: 'internal_user', auto_create_key: false });
  await api.ok('POST', '/team/new', { team_id: 'team-a', members_with_roles: [{ user_id: 'ta-admin', role: 'admin' }, { user_id: 'ta-member', role: 'user' }] });
  await api.ok('POST', '/team/new', { team_id: 'team-b', members_with_roles: [{ user_id: 'tb-admin', role: 'admin' }] });
  keys.proxyAdmin = MASTER_KEY;
  keys.teamAdminA = await api.keyFor({ user_id: 'ta-admin' });
  keys.teamAdminB = await api.keyFor({ user_id: 'tb-admin' });
  keys.internalUser = await api.keyFor({ user_id: 'ta-member', team_id: 'team-a' });
  keys.otherTeamKey = await api.keyFor({ team_id: 'team-b' });
  keys.teamKeyA = await api.keyFor({ team_id: 'team-a' });
  keys.teamKeyB = await api.keyFor({ team_id: 'team-b' });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await Promise.all([globalLf, lfA, lfB, lfKey].map((f) => f?.close()));
});

/** Roles that may manage team-a's logging, and those refused (403, LiteLLM's IDOR guard). */
const ALLOWED = ['proxyAdmin', 'teamAdminA'] as const;
const REFUSED = ['teamAdminB', 'internalUser', 'otherTeamKey'] as const;

describe('team callback routes: who may call them', () => {
  it('POST /team/{team_id}/callback: proxy_admin and the team admin; others 403 with the same body for a known and an unknown team', async () => {
    const forbiddenBodies: string[] = [];
    for (const role of REFUSED) {
      const r = await api.post('/team/team-a/callback', { callback_name: 'langfuse', callback_vars: {} }, keys[role]);
      expect(r.status, `${role}: ${r.text}`).toBe(403);
      const unknown = await api.post('/team/no-such-team/callback', { callback_name: 'langfuse', callback_vars: {} }, keys[role]);
      expect(unknown.status, role).toBe(403);
      // The refusal reads the same whether the team exists: ids cannot be probed.
      expect(unknown.json.error.message).toBe(r.json.error.message);
      forbiddenBodies.push(r.json.error.message);
    }
    expect(forbiddenBodies.every((m) => m.includes("set this team's logging callbacks"))).toBe(true);
    const missing = await api.post('/team/no-such-team/callback', { callback_name: 'langfuse', callback_vars: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toBe('Team id = no-such-team does not exist.');
    for (const role of ALLOWED) {
      const r = await api.post('/team/team-a/callback', { callback_name: `probe-${role}`, callback_type: 'failure', callback_vars: {} }, keys[role]);
      expect(r.status, `${role}: ${r.text}`).toBe(200);
      expect(r.json.status).toBe('success');
      expect(r.json.data.team_id).toBe('team-a');
      expect(r.json.data.metadata.logging).toContainEqual({ callback_name: `probe-${role}`, callback_type: 'failure', callback_vars: {} });
      await api.ok('DELETE', `/team/team-a/callback/probe-${role}`, undefined, keys[role]);
    }
  });

  it('GET, DELETE and disable_logging: the same roles; a proxy admin is told an unknown team does not exist (404)', async () => {
    for (const [method, path] of [['GET', '/team/team-b/callback'], ['DELETE', '/team/team-b/callback/langfuse'], ['POST', '/team/team-b/disable_logging']] as const) {
      for (const role of ['teamAdminA', 'internalUser'] as const) {
        expect((await api.send(method, path, undefined, keys[role])).status, `${role} ${method} ${path}`).toBe(403);
        expect((await api.send(method, path.replace('team-b', 'ghost'), undefined, keys[role])).status).toBe(403);
      }
      const ghost = await api.send(method, path.replace('team-b', 'ghost'));
      expect(ghost.status, `${method} ${path}`).toBe(404);
      expect(ghost.json.error.message).toBe('Team id = ghost does not exist.');
    }
    // The key of team-b is not its admin: it may not read its own team's callbacks either.
    expect((await api.get('/team/team-b/callback', keys.teamKeyB)).status).toBe(403);
    expect((await api.get('/team/team-b/callback', keys.teamAdminB)).status).toBe(200);
    const notThere = await api.send('DELETE', '/team/team-b/callback/langsmith', undefined, keys.teamAdminB);
    expect(notThere.status).toBe(404);
    expect(notThere.json.error.message).toBe('callback_name = langsmith is not registered for team_id = team-b.');
  });
});

describe('team callback routes: LiteLLM bodies, messages and masking', () => {
  it('checks AddTeamCallback field by field with LiteLLM\'s messages', async () => {
    const bad = async (body: unknown, key: string = MASTER_KEY) => {
      const r = await api.post('/team/team-a/callback', body, key);
      expect(r.status, r.text).toBe(400);
      return r.json.error.message as string;
    };
    expect(await bad({ callback_name: 'langfuse', callback_vars: { langfuse_pk: 'x' } })).toMatch(/^Invalid callback variable: langfuse_pk\. Must be one of \{'arize_api_key', .*'langfuse_secret_key'.*\}$/);
    expect(await bad({ callback_name: 'langfuse', callback_type: 'sometimes', callback_vars: {} })).toContain("Input should be 'success', 'failure' or 'success_and_failure'");
    expect(await bad({ callback_type: 'success', callback_vars: {} })).toContain('callback_name: Field required');
    expect(await bad({ callback_name: 'langfuse' })).toContain('callback_vars: Field required');
    expect(await bad({ callback_name: 'langfuse', callback_vars: 'pk' })).toContain('callback_vars: Input should be a valid dictionary');
    expect(await bad({ callback_name: 'langfuse', callback_vars: { langfuse_environment: 'Prod' } })).toContain("Invalid langfuse_environment 'Prod'");
    expect(await bad({ callback_name: 'langfuse', callback_vars: {}, extra: 1 })).toContain('unknown field(s) extra');
    // A team admin may not point the gateway at its environment (LiteLLM no longer resolves request-supplied references).
    expect(await bad({ callback_name: 'langfuse', callback_vars: { langfuse_secret_key: 'os.environ/LANGFUSE_SECRET_KEY' } }, keys.teamAdminA)).toContain("Callback param 'langfuse_secret_key' (from key/team callback metadata) contains an 'os.environ/' reference");
    // Nor at a file on the gateway's host (LiteLLM reads any path a team admin gives it).
    expect(await bad({ callback_name: 'gcs_bucket', callback_vars: { gcs_bucket_name: 'b', gcs_path_service_account: '/etc/sluice/key.json' } }, keys.teamAdminA)).toContain(
      "Callback param 'gcs_path_service_account' (from key/team callback metadata) names a file on the gateway's host; only a proxy admin may set it.",
    );
  });

  it('adds, refuses a duplicate for the same event, reads back masked, audits redacted, removes', async () => {
    audits.splice(0);
    const vars = { ...varsFor(lfA, 'pk-lf-team-a', SECRET_A), langfuse_environment: 'staging' };
    const added = await api.post('/team/team-a/callback', { callback_name: 'langfuse', callback_type: 'success', callback_vars: vars }, keys.teamAdminA);
    expect(added.status, added.text).toBe(200);
    expect(added.json.data.metadata.logging).toEqual([
      { callback_name: 'langfuse', callback_type: 'success', callback_vars: { langfuse_public_key: '***REDACTED***', langfuse_secret_key: '***REDACTED***', langfuse_host: lfA.url, langfuse_environment: 'staging' } },
    ]);
    const dup = await api.post('/team/team-a/callback', { callback_name: 'langfuse', callback_type: 'success', callback_vars: vars }, keys.teamAdminA);
    expect(dup.status).toBe(400);
    expect(dup.json.error).toMatchObject({ message: 'callback_name = langfuse already exists in team_callback_settings, for team_id = team-a and event = success', type: 'bad_request_error', param: 'callback_name' });
    // The same integration for failures too, repeating the family as it stands, is allowed.
    await api.ok('POST', '/team/team-a/callback', { callback_name: 'langfuse', callback_type: 'failure', callback_vars: vars }, keys.teamAdminA);
    // An entry that would carry the stored key to another host is refused for a team admin (LiteLLM's cross-entry check).
    const moved = await api.post('/team/team-a/callback', { callback_name: 'langfuse_otel', callback_vars: { langfuse_host: 'http://attacker.example' } }, keys.teamAdminA);
    expect(moved.status).toBe(400);
    expect(moved.json.error.message).toBe('Langfuse is already configured by another callback entry on this team. Remove that entry before setting langfuse_host here.');

    const got = await api.ok('GET', '/team/team-a/callback', undefined, keys.teamAdminA);
    expect(got).toEqual({
      status: 'success',
      data: {
        team_id: 'team-a',
        success_callbacks: ['langfuse'],
        failure_callbacks: ['langfuse'],
        callback_vars: { langfuse_public_key: '***REDACTED***', langfuse_secret_key: '***REDACTED***', langfuse_host: lfA.url, langfuse_environment: 'staging' },
      },
    });
    // Nowhere in what the API answers or the audit trail records is the secret in clear.
    const info = await api.get('/team/info?team_id=team-a', keys.teamAdminA);
    expect(info.text).not.toContain(SECRET_A);
    expect(info.json.team_info.metadata.logging[0].callback_vars.langfuse_host).toBe(lfA.url);
    const rows = audits.filter((a) => a.objectId === 'team-a' && a.action === 'team.callback_add');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ objectType: 'team', before: { metadata: {} }, after: { metadata: { logging: [{ callback_name: 'langfuse', callback_vars: { langfuse_secret_key: '***REDACTED***', langfuse_host: '***REDACTED***' } }] } } });
    expect(JSON.stringify(audits)).not.toContain(SECRET_A);
    expect(JSON.stringify(audits)).not.toContain('pk-lf-team-a');
  });

  it('a proxy admin may use os.environ/ references: shown as they are, never resolved into an answer', async () => {
    await api.ok('POST', '/team/new', { team_id: 'team-env' });
    await api.ok('POST', '/team/team-env/callback', { callback_name: 'langfuse', callback_vars: { langfuse_public_key: 'pk-env', langfuse_secret_key: 'os.environ/LANGFUSE_SECRET_KEY' } });
    const got = await api.ok('GET', '/team/team-env/callback');
    expect(got.data.callback_vars).toEqual({ langfuse_public_key: '***REDACTED***', langfuse_secret_key: 'os.environ/LANGFUSE_SECRET_KEY' });
    expect(JSON.stringify(got)).not.toContain(GLOBAL_SECRET);
  });

  it('disable_logging answers as LiteLLM and empties both slots; GET then shows no callbacks', async () => {
    await api.ok('POST', '/team/new', { team_id: 'team-d', metadata: { callback_settings: { success_callback: ['langfuse'], callback_vars: { langfuse_public_key: 'pk-d' } } } });
    expect((await api.ok('GET', '/team/team-d/callback')).data.success_callbacks).toEqual(['langfuse']);
    audits.splice(0);
    const r = await api.ok('POST', '/team/team-d/disable_logging');
    expect(r).toEqual({ status: 'success', message: 'Logging disabled for team team-d', data: { team_id: 'team-d', success_callbacks: [], failure_callbacks: [] } });
    expect((await api.ok('GET', '/team/team-d/callback')).data).toMatchObject({ success_callbacks: [], failure_callbacks: [] });
    expect(audits.find((a) => a.action === 'team.disable_logging')).toMatchObject({ objectId: 'team-d', after: { metadata: { logging: [] } } });
    // /team/update checks logging settings the same way (an org/proxy admin's route).
    const badUpdate = await api.post('/team/update', { team_id: 'team-d', metadata: { logging: [{ callback_name: 'langfuse', callback_vars: { nope: 'x' } }] } });
    expect(badUpdate.status).toBe(400);
    expect(badUpdate.json.error.message).toMatch(/^Invalid callback variable: nope\./);
  });
});

describe("a key's metadata.logging", () => {
  const logging = (sk: string) => [{ callback_name: 'langfuse', callback_type: 'success_and_failure', callback_vars: varsFor(lfKey, 'pk-lf-key-level', sk) }];

  it('proxy_admin and the admin of the key\'s team may set it; a member, another team\'s admin, a personal key may not', async () => {
    audits.splice(0);
    const byAdmin = await api.post('/key/generate', { team_id: 'team-a', metadata: { logging: logging(SECRET_KEY_LEVEL) } });
    expect(byAdmin.status, byAdmin.text).toBe(200);
    expect(byAdmin.json.metadata.logging[0].callback_vars).toEqual({ langfuse_public_key: '***REDACTED***', langfuse_secret_key: '***REDACTED***', langfuse_host: lfKey.url });
    const byTeamAdmin = await api.post('/key/generate', { team_id: 'team-a', user_id: 'ta-member', metadata: { logging: logging(SECRET_KEY_LEVEL) } }, keys.teamAdminA);
    expect(byTeamAdmin.status, byTeamAdmin.text).toBe(200);
    // The team admin's own key outside its team: there it is a plain internal user.
    const personal = await api.post('/key/generate', { metadata: { logging: logging(SECRET_KEY_LEVEL) } }, keys.teamAdminA);
    expect(personal.status).toBe(403);
    expect(personal.json.error).toMatchObject({ param: 'metadata.logging' });
    expect(personal.json.error.message).toContain('Only proxy_admin, org_admin, team_admin can set metadata.logging.');
    const byMember = await api.post('/key/update', { key: keys.internalUser, metadata: { logging: logging(SECRET_KEY_LEVEL) } }, keys.internalUser);
    expect(byMember.status).toBe(403);
    const byOtherAdmin = await api.post('/key/update', { key: byAdmin.json.key, metadata: {} }, keys.teamAdminB);
    expect(byOtherAdmin.status).toBe(403);
    // A member still changes the rest of its own key's metadata.
    expect((await api.post('/key/update', { key: keys.internalUser, metadata: { purpose: 'tests' } }, keys.internalUser)).status).toBe(200);
    // Shape errors, LiteLLM's wording.
    const badType = await api.post('/key/generate', { team_id: 'team-a', metadata: { logging: [{ callback_name: 'langfuse', callback_type: 'always', callback_vars: {} }] } });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toContain("metadata.logging[0].callback_type: Input should be 'success', 'failure' or 'success_and_failure'");
    const notList = await api.post('/key/generate', { team_id: 'team-a', metadata: { logging: { callback_name: 'langfuse' } } });
    expect(notList.status).toBe(400);
    const badVar = await api.post('/key/generate', { team_id: 'team-a', metadata: { logging: [{ callback_name: 'langfuse', callback_vars: { secret: 'x' } }] } });
    expect(badVar.json.error.message).toMatch(/^Invalid callback variable: secret\./);
    // A masked value sent back keeps the stored one (read-modify-write through /key/info).
    const info = await api.ok('GET', `/key/info?key=${byAdmin.json.key}`);
    expect(JSON.stringify(info)).not.toContain(SECRET_KEY_LEVEL);
    await api.ok('POST', '/key/update', { key: byAdmin.json.key, metadata: info.info.metadata });
    expect(JSON.stringify(audits)).not.toContain(SECRET_KEY_LEVEL);
    expect(audits.some((a) => a.action === 'key.generate' && JSON.stringify(a.after).includes('***REDACTED***'))).toBe(true);
  });

  it('/key/health: LiteLLM\'s answer for a key with good, unknown and no logging callbacks', async () => {
    const good = await api.keyFor({ team_id: 'team-b', metadata: { logging: [{ callback_name: 'langfuse', callback_type: 'success', callback_vars: varsFor(lfKey, 'pk-h', 'sk-h') }] } });
    expect(await api.ok('POST', '/key/health', {}, good)).toEqual({
      key: 'healthy',
      logging_callbacks: { callbacks: ['langfuse'], status: 'healthy', details: "No logger exceptions triggered, system is healthy. Manually check if logs were sent to ['langfuse'] " },
    });
    const unknown = await api.keyFor({ metadata: { logging: [{ callback_name: 'not_a_logger', callback_vars: {} }] } });
    const r = await api.ok('POST', '/key/health', {}, unknown);
    expect(r).toMatchObject({ key: 'unhealthy', logging_callbacks: { callbacks: ['not_a_logger'], status: 'unhealthy' } });
    expect(r.logging_callbacks.details).toMatch(/^Logger exceptions triggered, system is unhealthy: callback_name 'not_a_logger' is not an installed logging integration \(installed: \[.*'langfuse'.*\]\)/);
    expect(await api.ok('POST', '/key/health', {}, keys.internalUser)).toEqual({ key: 'healthy', logging_callbacks: null });
  });

  it('/callbacks/list: the active callbacks by event, for admins and viewers', async () => {
    expect(await api.ok('GET', '/callbacks/list')).toEqual({ success: ['langfuse'], failure: ['langfuse'], success_and_failure: [] });
    expect((await api.get('/callbacks/list', keys.teamAdminA)).status).toBe(403);
  });
});

const traceOf = (lf: FakeLangfuse, traceId: string) => lf.events.find((e) => e.body.type === 'generation-create' && e.body.body.traceId === traceId);
const ALL = () => [globalLf, lfA, lfB, lfKey];
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for a Langfuse event');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const reachedOnly = async (traceId: string, where: FakeLangfuse) => {
  await until(() => !!traceOf(where, traceId));
  return ALL().filter((lf) => traceOf(lf, traceId)).map((lf) => (lf === globalLf ? 'global' : lf === lfA ? 'A' : lf === lfB ? 'B' : 'key'));
};

describe('calls logged end to end by the langfuse integration', () => {
  beforeAll(async () => {
    // team-a has langfuse (success and failure) to project A from the tests above; team-b gets B.
    await api.ok('POST', '/team/team-b/callback', { callback_name: 'langfuse', callback_vars: varsFor(lfB, 'pk-lf-team-b', SECRET_B) }, keys.teamAdminB);
  });

  it("team A's calls reach only team A's project, with its keys; team B's only B's; a key without a team the gateway's", async () => {
    expect((await api.chat(keys.teamKeyA, { metadata: { trace_id: 'e2e-a' } })).status).toBe(200);
    expect((await api.chat(keys.teamKeyB, { metadata: { trace_id: 'e2e-b' } })).status).toBe(200);
    expect((await api.chat(MASTER_KEY, { metadata: { trace_id: 'e2e-global' } })).status).toBe(200);
    expect(await reachedOnly('e2e-a', lfA)).toEqual(['A']);
    expect(await reachedOnly('e2e-b', lfB)).toEqual(['B']);
    expect(await reachedOnly('e2e-global', globalLf)).toEqual(['global']);
    expect(traceOf(lfA, 'e2e-a')!.auth).toEqual({ publicKey: 'pk-lf-team-a', secretKey: SECRET_A });
    expect(traceOf(lfB, 'e2e-b')!.auth).toEqual({ publicKey: 'pk-lf-team-b', secretKey: SECRET_B });
    expect(lfA.events.every((e) => e.auth.secretKey === SECRET_A)).toBe(true);
    expect(lfB.events.every((e) => e.auth.secretKey === SECRET_B)).toBe(true);
  });

  it("a key's own metadata.logging overrides its team's", async () => {
    const own = await api.keyFor({ team_id: 'team-a', metadata: { logging: [{ callback_name: 'langfuse', callback_vars: varsFor(lfKey, 'pk-lf-key-level', SECRET_KEY_LEVEL) }] } });
    await api.chat(own, { metadata: { trace_id: 'e2e-key' } });
    expect(await reachedOnly('e2e-key', lfKey)).toEqual(['key']);
    expect(traceOf(lfKey, 'e2e-key')!.auth.secretKey).toBe(SECRET_KEY_LEVEL);
  });

  it('x-litellm-disable-callbacks: langfuse suppresses it for that request', async () => {
    await api.chat(keys.teamKeyA, { metadata: { trace_id: 'e2e-header-off' } }, { 'x-litellm-disable-callbacks': 'langfuse' });
    await api.chat(MASTER_KEY, { metadata: { trace_id: 'e2e-header-off-global' } }, { 'x-litellm-disable-callbacks': 'langfuse' });
    // Later calls to the same destinations arrive; the suppressed ones never do.
    await api.chat(keys.teamKeyA, { metadata: { trace_id: 'e2e-header-after' } });
    await api.chat(MASTER_KEY, { metadata: { trace_id: 'e2e-header-after-global' } });
    await reachedOnly('e2e-header-after', lfA);
    await reachedOnly('e2e-header-after-global', globalLf);
    expect(ALL().some((lf) => traceOf(lf, 'e2e-header-off') || traceOf(lf, 'e2e-header-off-global'))).toBe(false);
  });

  it('after disable_logging none of the team\'s calls reach any destination, though the gateway logs to langfuse', async () => {
    await api.ok('POST', '/team/team-a/disable_logging', undefined, keys.teamAdminA);
    const off = await api.chat(keys.teamKeyA, { metadata: { trace_id: 'e2e-disabled' } });
    expect(off.status).toBe(200);
    const failed = await api.chat(keys.teamKeyA, { model: 'no-such-model', metadata: { trace_id: 'e2e-disabled-failure' } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    // Every destination still works: the gateway's, team B's.
    await api.chat(MASTER_KEY, { metadata: { trace_id: 'e2e-after-disable-global' } });
    await api.chat(keys.teamKeyB, { metadata: { trace_id: 'e2e-after-disable-b' } });
    await reachedOnly('e2e-after-disable-global', globalLf);
    await reachedOnly('e2e-after-disable-b', lfB);
    await new Promise((r) => setTimeout(r, 300));
    for (const lf of ALL()) {
      expect(lf.events.some((e) => JSON.stringify(e.body).includes('e2e-disabled'))).toBe(false);
    }
  });
});
