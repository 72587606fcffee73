/**
 * The IdentityDirectory (identities of JWTs and SSO sessions): the principal of an external
 * identity carries its user's, team's, team member's, organization's and end user's scopes, the
 * team's models, a given role; users and teams are created when asked; missing and blocked records
 * are refused with LiteLLM's words; a blocked team is refused on another instance within 1 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamMemberScopeId, type ExternalIdentity, type IdentityDirectory } from '@sluice/plugin-sdk';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { client, tenancyConfig } from './tenancy-client.js';

function directoryOf(gw: TestGateway): IdentityDirectory {
  const tenancy = gw.gateway.plugins.find((p) => p.id === 'governance-tenancy');
  const directory = tenancy?.instance.identities;
  if (!directory) throw new Error('governance-tenancy provides no identities');
  return directory;
}

const base = { authenticatedBy: 'auth-jwt' } as const;
const identity = (fields: Partial<ExternalIdentity> & { id: string }): ExternalIdentity => ({ ...base, ...fields });

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { status: number; message: string };
    return { status: e.status, message: e.message };
  }
  throw new Error('expected a refusal');
}

describe('identity directory (one instance, SQLite)', () => {
  let gw: TestGateway;
  const api = client(() => gw);

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig({ litellm_settings: { default_internal_user_params: { max_budget: 7 } } } as never));
    await api.ok('POST', '/organization/new', { organization_id: 'org-1', organization_alias: 'Org one', max_budget: 100 });
    await api.ok('POST', '/team/new', { team_id: 'team-1', organization_id: 'org-1', models: ['a'], max_budget: 50, team_member_budget: 3 });
    await api.ok('POST', '/user/new', { user_id: 'alice', user_email: 'alice@example.com', max_budget: 20, auto_create_key: false });
  });
  afterAll(async () => gw?.close());

  it('maps user, team (member), organization and end user onto scopes, models from the team', async () => {
    const p = await directoryOf(gw).principalFor(identity({ id: 'jwt:iss#alice', userId: 'alice', teamId: 'team-1', endUserId: 'cust-9' }));
    expect(p.id).toBe('jwt:iss#alice');
    expect(p.authenticatedBy).toBe('auth-jwt');
    expect(p.keyHash).toBeUndefined();
    expect(p).toMatchObject({ userId: 'alice', teamId: 'team-1', organizationId: 'org-1', role: 'internal_user', models: ['a'] });
    const scopes = (p.scopes ?? []).map((s) => [s.kind, s.id, s.maxBudget ?? null]);
    expect(scopes).toEqual([
      ['user', 'alice', 20],
      ['team', 'team-1', 50],
      ['organization', 'org-1', 100],
      ['team_member', teamMemberScopeId('team-1', 'alice'), 3],
      ['customer', 'cust-9', null],
    ]);
    // The user joined the team (LiteLLM's map_user_to_teams).
    const team = await api.ok('GET', '/team/info?team_id=team-1');
    expect(JSON.stringify(team)).toContain('alice');
  });

  it('a role given by the identity wins; a bare team identity is an internal_user of that team', async () => {
    const admin = await directoryOf(gw).principalFor(identity({ id: 'jwt:iss#root', role: 'proxy_admin' }));
    expect(admin.role).toBe('proxy_admin');
    const team = await directoryOf(gw).principalFor(identity({ id: 'jwt:iss#svc', teamId: 'team-1' }));
    expect(team).toMatchObject({ role: 'internal_user', teamId: 'team-1', models: ['a'] });
    expect(team.userId).toBeUndefined();
  });

  it('refuses a missing user, team or organization with LiteLLM’s messages', async () => {
    const d = directoryOf(gw);
    expect(await refusal(d.principalFor(identity({ id: 'x1', userId: 'nobody' })))).toEqual({
      status: 401,
      message: "Authentication Error, User doesn't exist in db. 'user_id'=nobody. Create user via `/user/new` call.",
    });
    expect(await refusal(d.principalFor(identity({ id: 'x2', teamId: 'no-team' })))).toEqual({
      status: 401,
      message: "Authentication Error, Team doesn't exist in db. Team=no-team. Create team via `/team/new` call.",
    });
    expect((await refusal(d.principalFor(identity({ id: 'x3', organizationId: 'no-org' })))).message).toContain('Organization=no-org');
  });

  it('creates the user (with default_internal_user_params) and the team when asked', async () => {
    const p = await directoryOf(gw).principalFor(identity({ id: 'jwt:iss#bob', userId: 'bob', userEmail: 'bob@example.com', teamId: 'new-team', upsertUser: true, upsertTeam: true }));
    expect(p).toMatchObject({ userId: 'bob', teamId: 'new-team' });
    const user = await api.ok('GET', '/user/info?user_id=bob');
    expect(user.user_info).toMatchObject({ user_id: 'bob', user_email: 'bob@example.com', max_budget: 7 });
    await api.ok('GET', '/team/info?team_id=new-team');
  });

  it('refuses a blocked team at once after /team/block, and a blocked end user', async () => {
    const d = directoryOf(gw);
    await api.ok('POST', '/team/new', { team_id: 'team-b' });
    await d.principalFor(identity({ id: 'jwt:iss#c', teamId: 'team-b' })); // cached
    await api.ok('POST', '/team/block', { team_id: 'team-b' });
    expect(await refusal(d.principalFor(identity({ id: 'jwt:iss#c', teamId: 'team-b' })))).toEqual({
      status: 401,
      message: "Authentication Error, Team=team-b is blocked. Update via `/team/unblock` if you're an admin.",
    });
    await api.ok('POST', '/customer/new', { user_id: 'cust-blocked' });
    await api.ok('POST', '/customer/block', { user_ids: ['cust-blocked'] });
    expect((await refusal(d.principalFor(identity({ id: 'jwt:iss#d', endUserId: 'cust-blocked' })))).message).toBe('User blocked from making LLM API Calls. User=cust-blocked');
  });

  it('a warm identity is answered from the cache with the same principal', async () => {
    const d = directoryOf(gw);
    const i = identity({ id: 'jwt:iss#alice', userId: 'alice', teamId: 'team-1' });
    const first = await d.principalFor(i);
    expect(await d.principalFor({ ...i })).toBe(first);
  });
});

describe.skipIf(!backends.postgres || !backends.redis)(`identity directory across instances (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const apiA = client(() => a);

  beforeAll(async () => {
    schema = await createPostgresSchema(backends.postgres!);
    const env = { DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    a = await startGateway(tenancyConfig(), { env });
    b = await startGateway(tenancyConfig(), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('a team blocked on A is refused by B’s directory within 1 s', async () => {
    await apiA.ok('POST', '/team/new', { team_id: 'x-team' });
    const i = identity({ id: 'jwt:iss#x', teamId: 'x-team' });
    await directoryOf(b).principalFor(i); // cached on B
    await apiA.ok('POST', '/team/block', { team_id: 'x-team' });
    const start = Date.now();
    let refused: { status: number; message: string } | undefined;
    while (!refused && Date.now() - start < 1_000) {
      refused = await directoryOf(b).principalFor(i).then(
        () => undefined,
        (e: { status: number; message: string }) => ({ status: e.status, message: e.message }),
      );
      if (!refused) await new Promise((r) => setTimeout(r, 25));
    }
    expect(refused?.message).toContain('Team=x-team is blocked');
  });
});
