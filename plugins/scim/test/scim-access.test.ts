/**
 * Who may call /scim/v2 (scim-access.ts), SCIM's wire format (content types, error bodies,
 * discovery), filters and paging, group member resolution and LiteLLM's settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { scimClient, scimConfig, withFilter } from './scim-client.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM access, wire format, filters, paging, members', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);

  beforeAll(async () => {
    gw = await startGateway(scimConfig({ litellm_settings: { scim_upsert_user: true } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });

  const userKey = async (user_id: string, user_role: string, keyBody: Record<string, unknown> = {}) => {
    await scim.admin('POST', '/user/new', { user_id, user_role, auto_create_key: false });
    return (await scim.admin('POST', '/key/generate', { user_id, ...keyBody })).key as string;
  };

  describe('roles', () => {
    it('the master key and a proxy_admin key may provision', async () => {
      expect((await scim.get('/scim/v2/Users')).status).toBe(200);
      const admin = await userKey('role-admin', 'proxy_admin');
      expect((await scim.get('/scim/v2/Users', admin)).status).toBe(200);
      expect((await scim.send('POST', '/scim/v2/Users', { userName: 'made-by-admin' }, { key: admin })).status).toBe(201);
    });

    it("LiteLLM's SCIM token (master key, allowed_routes [\"/scim/*\"]) provisions and is confined to /scim", async () => {
      const token = (await scim.admin('POST', '/key/generate', { key_alias: 'SCIM Access Token', models: [], allowed_routes: ['/scim/*'] })).key as string;
      expect((await scim.get('/scim/v2/ServiceProviderConfig', token)).status).toBe(200);
      const created = await scim.send('POST', '/scim/v2/Users', { userName: 'made-by-token' }, { key: token });
      expect(created.status, created.text).toBe(201);
      expect((await scim.send('POST', '/key/generate', {}, { key: token, contentType: 'application/json' })).status).toBe(401);
      // An admin may hand a SCIM token to a (non-admin) service user too.
      await scim.admin('POST', '/user/new', { user_id: 'scim-service', user_role: 'internal_user', auto_create_key: false });
      const service = (await scim.admin('POST', '/key/generate', { user_id: 'scim-service', allowed_routes: ['/scim/v2/*'] })).key as string;
      expect((await scim.get('/scim/v2/Groups', service)).status).toBe(200);
    });

    it('internal users, viewers and admin viewers get a SCIM 403, even with allowed_routes they gave themselves', async () => {
      const internal = await userKey('role-internal', 'internal_user');
      const r = await scim.get('/scim/v2/Users', internal);
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(r.json).toMatchObject({ schemas: [ERROR], status: '403', detail: expect.stringContaining('internal_user') });
      const own = await scim.send('POST', '/key/generate', { user_id: 'role-internal', allowed_routes: ['/scim/*'] }, { key: internal, contentType: 'application/json' });
      expect(own.status, own.text).toBe(200); // governance-tenancy lets a user give its own key allowed_routes
      expect((await scim.get('/scim/v2/Users', own.json.key)).status).toBe(403);
      for (const role of ['internal_user_viewer', 'proxy_admin_viewer']) {
        const k = await userKey(`role-${role}`, role);
        expect((await scim.send('POST', '/scim/v2/Users', { userName: `x-${role}` }, { key: k })).status).toBe(403);
      }
      expect((await scim.get('/scim/v2/Users/made-by-admin', internal)).status).toBe(403);
    });

    it('no key is a 401', async () => {
      const r = await fetch(`${gw.url}/scim/v2/Users`);
      expect(r.status).toBe(401);
    });
  });

  describe('wire format', () => {
    it('application/json bodies are accepted as well as application/scim+json', async () => {
      const r = await scim.send('POST', '/scim/v2/Users', { userName: 'json-body', emails: [{ value: 'json-body@example.com' }] }, { contentType: 'application/json' });
      expect(r.status, r.text).toBe(201);
      expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    });

    it('discovery: ServiceProviderConfig, ResourceTypes, Schemas and the base path', async () => {
      const spc = await scim.get('/scim/v2/ServiceProviderConfig');
      expect(spc.json).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 100 }, authenticationSchemes: [{ type: 'oauthbearertoken' }] });
      const types = await scim.get('/scim/v2/ResourceTypes');
      expect(types.json).toMatchObject({ totalResults: 2, Resources: [{ id: 'User', endpoint: '/Users', schema: 'urn:ietf:params:scim:schemas:core:2.0:User' }, { id: 'Group', endpoint: '/Groups' }] });
      expect((await scim.get('/scim/v2/ResourceTypes/Group')).json).toMatchObject({ id: 'Group', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group' });
      expect((await scim.get('/scim/v2/ResourceTypes/Nope')).json).toEqual({ schemas: [ERROR], status: '404', detail: 'ResourceType not found: Nope' });
      const schemas = await scim.get('/scim/v2/Schemas');
      expect(schemas.json.Resources.map((s: { id: string }) => s.id)).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      const user = await scim.get('/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
      expect(user.json.attributes.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['userName', 'emails', 'active', 'groups']));
      expect((await scim.get('/scim/v2')).json.totalResults).toBe(2);
    });

    it('bad bodies are SCIM 400s with a scimType', async () => {
      const notObject = await scim.send('POST', '/scim/v2/Users', '[1]');
      expect(notObject.json).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax' });
      const badOp = await scim.send('PATCH', '/scim/v2/Users/made-by-admin', { schemas: [PATCH_OP], Operations: [{ op: 'merge', path: 'active', value: false }] });
      expect(badOp.json).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax', detail: 'op must be add, remove, or replace' });
      const noOps = await scim.send('PATCH', '/scim/v2/Users/made-by-admin', { schemas: [PATCH_OP] });
      expect(noOps.json).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
      const badActive = await scim.send('PATCH', '/scim/v2/Users/made-by-admin', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] });
      expect(badActive.json).toMatchObject({ status: '400', scimType: 'invalidValue' });
      const noName = await scim.send('POST', '/scim/v2/Groups', { members: [] });
      expect(noName.json).toMatchObject({ status: '400', scimType: 'invalidValue', detail: 'displayName is required' });
      const unknown = await scim.send('PATCH', '/scim/v2/Users/nobody-here', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect(unknown.json).toEqual({ schemas: [ERROR], status: '404', detail: 'User not found with ID: nobody-here' });
    });

    it('a second group with the same id is a 409 uniqueness error', async () => {
      expect((await scim.send('POST', '/scim/v2/Groups', { displayName: 'dup', externalId: 'dup-group' })).status).toBe(201);
      const again = await scim.send('POST', '/scim/v2/Groups', { displayName: 'dup', externalId: 'dup-group' });
      expect(again.json).toEqual({ schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: 'Group already exists with ID: dup-group' });
    });
  });

  describe('filters and paging', () => {
    beforeAll(async () => {
      for (let i = 0; i < 12; i++) {
        const n = String(i).padStart(2, '0');
        await scim.send('POST', '/scim/v2/Users', { userName: `page-${n}`, externalId: `ext-${n}`, emails: [{ value: `Page.${n}@Example.com` }] });
      }
    });

    it('userName, emails.value (case-insensitive), externalId and id, joined by and, in any case', async () => {
      const count = async (f: string) => (await scim.get(withFilter('/scim/v2/Users', f))).json.totalResults;
      expect(await count('userName eq "page-03"')).toBe(1);
      expect(await count('USERNAME EQ "page-03"')).toBe(1);
      expect(await count('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "page-03"')).toBe(1);
      expect(await count('emails.value eq "page.04@example.COM"')).toBe(1);
      expect(await count('emails eq "page.04@example.com"')).toBe(1);
      expect(await count('externalId eq "ext-05"')).toBe(1);
      expect(await count('externalId eq "EXT-05"')).toBe(0);
      expect(await count('id eq "page-06"')).toBe(1);
      expect(await count('userName eq "page-07" and externalId eq "ext-07"')).toBe(1);
      expect(await count('(userName eq "page-07") and (emails.value eq "page.07@example.com")')).toBe(1);
      expect(await count('userName eq "page-07" and externalId eq "ext-08"')).toBe(0);
      expect(await count('userName eq "page.08@example.com"')).toBe(1); // LiteLLM: userName also matches the email
    });

    it('other operators, or, not, value paths and unknown attributes are a 400 invalidFilter', async () => {
      for (const f of ['userName co "page"', 'userName sw "page"', 'userName pr', 'userName eq "a" or userName eq "b"', 'not (userName eq "a")', 'emails[type eq "work"].value eq "x"', 'nickName eq "x"', 'userName eq page-01', 'userName eq "unclosed', 'userName eq "a" and']) {
        const r = await scim.get(withFilter('/scim/v2/Users', f));
        expect(r.status, f).toBe(400);
        expect(r.json, f).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidFilter' });
      }
      expect((await scim.get(withFilter('/scim/v2/Groups', 'members.value eq "x"'))).json.scimType).toBe('invalidFilter');
    });

    it('startIndex and count page through every user; count=0 gives the total only', async () => {
      const total = (await scim.get('/scim/v2/Users?count=0')).json;
      expect(total).toMatchObject({ Resources: [], itemsPerPage: 0 });
      expect(total.totalResults).toBeGreaterThanOrEqual(12);
      const seen: string[] = [];
      for (let start = 1; start <= total.totalResults; start += 5) {
        const page = (await scim.get(`/scim/v2/Users?startIndex=${start}&count=5`)).json;
        expect(page).toMatchObject({ startIndex: start, totalResults: total.totalResults });
        seen.push(...page.Resources.map((u: { id: string }) => u.id));
      }
      expect(new Set(seen).size).toBe(total.totalResults);
      // LiteLLM's default page is 10; a count above 100 is capped.
      expect((await scim.get('/scim/v2/Users')).json.itemsPerPage).toBe(10);
      expect((await scim.get('/scim/v2/Users?count=500')).json.itemsPerPage).toBe(total.totalResults);
      expect((await scim.get('/scim/v2/Users?startIndex=0&count=2')).json).toMatchObject({ startIndex: 1, itemsPerPage: 2 });
      expect((await scim.get(`/scim/v2/Users?startIndex=${total.totalResults + 1}`)).json).toMatchObject({ itemsPerPage: 0, Resources: [] });
      expect((await scim.get('/scim/v2/Users?count=abc')).json).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });
  });

  describe('group members', () => {
    it('a member is found by user id, sso_user_id or email; a nested group is skipped; an unknown id is created (scim_upsert_user)', async () => {
      await scim.admin('POST', '/user/new', { user_id: 'sso-person', user_email: 'Sso.Person@example.com', sso_user_id: 'okta|sso-person', auto_create_key: false });
      await scim.admin('POST', '/user/new', { user_id: 'mail-person', user_email: 'mail.person@example.com', auto_create_key: false });
      const nested = await scim.send('POST', '/scim/v2/Groups', { displayName: 'nested' });
      const r = await scim.send('POST', '/scim/v2/Groups', {
        displayName: 'resolved',
        members: [{ value: 'okta|sso-person' }, { value: 'MAIL.person@example.com' }, { value: 'page-01' }, { value: nested.json.id, type: 'Group' }, { value: nested.json.id }, { value: 'brand-new' }],
      });
      expect(r.status, r.text).toBe(201);
      expect(r.json.members.map((m: { value: string }) => m.value).sort()).toEqual(['brand-new', 'mail-person', 'page-01', 'sso-person']);
      expect((await scim.admin('GET', '/user/info?user_id=brand-new')).user_info).toMatchObject({ user_role: 'internal_user_viewer', metadata: { created_via: 'scim_group_membership' } });
      // Removal by the value the IdP added the member with.
      const removed = await scim.send('PATCH', `/scim/v2/Groups/${r.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members', value: [{ value: 'sso.person@example.com' }, { value: 'okta|nobody' }] }] });
      expect(removed.json.members.map((m: { value: string }) => m.value).sort()).toEqual(['brand-new', 'mail-person', 'page-01']);
      // replace sets the roster; groups on the user follow.
      const replaced = await scim.send('PATCH', `/scim/v2/Groups/${r.json.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: [{ value: 'page-02' }] }] });
      expect(replaced.json.members.map((m: { value: string }) => m.value)).toEqual(['page-02']);
      expect((await scim.get('/scim/v2/Users/page-02')).json.groups).toEqual([expect.objectContaining({ value: r.json.id, display: 'resolved' })]);
      expect((await scim.get('/scim/v2/Users/page-01')).json.groups).toEqual([]);
    });

    it('a user PATCH on groups changes team membership', async () => {
      const g = await scim.send('POST', '/scim/v2/Groups', { displayName: 'via-user' });
      const add = await scim.send('PATCH', '/scim/v2/Users/page-03', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'groups', value: [{ value: g.json.id }] }] });
      expect(add.json.groups).toEqual([expect.objectContaining({ value: g.json.id })]);
      expect((await scim.admin('GET', `/team/info?team_id=${g.json.id}`)).team_info.members_with_roles.map((m: { user_id: string }) => m.user_id)).toEqual(['page-03']);
      const remove = await scim.send('PATCH', '/scim/v2/Users/page-03', { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `groups[value eq "${g.json.id}"]` }] });
      expect(remove.json.groups).toEqual([]);
    });

    it('POST /Users with an email another account has takes that account over (LiteLLM), keeping its id', async () => {
      await scim.admin('POST', '/user/new', { user_id: 'sso-created', user_email: 'taken@example.com', auto_create_key: false });
      const r = await scim.send('POST', '/scim/v2/Users', { userName: 'taken@example.com', externalId: 'okta|taken', emails: [{ value: 'taken@example.com' }], name: { givenName: 'Tak' } });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ id: 'sso-created', externalId: 'okta|taken', name: { givenName: 'Tak' } });
      expect((await scim.get(withFilter('/scim/v2/Users', 'userName eq "taken@example.com"'))).json.Resources[0].id).toBe('sso-created');
    });

    it('IdP-defined attributes are kept apart from the metadata SCIM acts on', async () => {
      await scim.send('PATCH', '/scim/v2/Users/page-09', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'scim_blocked_keys', value: ['deadbeef'] }, { op: 'add', path: 'title', value: 'Boss' }] });
      const meta = (await scim.admin('GET', '/user/info?user_id=page-09')).user_info.metadata;
      expect(meta.scim_blocked_keys).toBeUndefined();
      expect(meta.scim_attributes).toEqual({ scim_blocked_keys: ['deadbeef'], title: 'Boss' });
    });
  });
});

describe('keys made for a deactivated user', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);
  beforeAll(async () => {
    gw = await startGateway(scimConfig());
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Polls until `check` holds (observers run off the request path), at most 3 s. */
  const until = async (check: () => Promise<boolean>) => {
    const start = Date.now();
    while (!(await check()) && Date.now() - start < 3_000) await new Promise((r) => setTimeout(r, 25));
    return check();
  };

  it('are blocked as soon as they are made, and unblocked with the rest on reactivation', async () => {
    await scim.send('POST', '/scim/v2/Users', { userName: 'gone' });
    const patch = (active: boolean) => scim.send('PATCH', '/scim/v2/Users/gone', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: active }] });
    await patch(false);
    const late = (await scim.admin('POST', '/key/generate', { user_id: 'gone' })).key as string;
    expect(await until(async () => (await scim.chat(late)).status === 401)).toBe(true);
    expect((await scim.chat(late)).json.error.message).toContain('Key is blocked');
    await patch(true);
    expect((await scim.chat(late)).status).toBe(200);
    // An active user's new keys are left alone.
    const fresh = (await scim.admin('POST', '/key/generate', { user_id: 'gone' })).key as string;
    await new Promise((r) => setTimeout(r, 200));
    expect((await scim.chat(fresh)).status).toBe(200);
  });
});

describe('scim_upsert_user: false (SCIM 2.0 strict)', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);
  beforeAll(async () => {
    gw = await startGateway(scimConfig({ litellm_settings: { scim_upsert_user: false, default_team_params: { max_budget: 100, metadata: { cost_center: 'cc-1' } } } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a member naming no user is refused with LiteLLM\'s message, and no user is created', async () => {
    const r = await scim.send('POST', '/scim/v2/Groups', { displayName: 'strict', members: [{ value: 'ghost' }] });
    expect(r.status).toBe(400);
    expect(r.json.detail).toBe("User with ID 'ghost' does not exist. Please create the user first via POST /Users before adding to group.");
    expect((await scim.get('/scim/v2/Users/ghost')).status).toBe(404);
    expect((await scim.get(withFilter('/scim/v2/Groups', 'displayName eq "strict"'))).json.totalResults).toBe(0);
  });

  it("teams SCIM creates take LiteLLM's default_team_params", async () => {
    const r = await scim.send('POST', '/scim/v2/Groups', { displayName: 'with-defaults' });
    expect(r.status, r.text).toBe(201);
    const team = (await scim.admin('GET', `/team/info?team_id=${r.json.id}`)).team_info;
    expect(team).toMatchObject({ max_budget: 100, metadata: { cost_center: 'cc-1', scim_managed: true } });
  });
});

describe('scim_admin_group', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);
  const role = async (id: string) => (await scim.admin('GET', `/user/info?user_id=${id}`)).user_info.user_role as string;
  beforeAll(async () => {
    gw = await startGateway(scimConfig({ litellm_settings: { scim_admin_group: 'LLM Admins' } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('members of the group named by scim_admin_group are proxy_admin; leaving it demotes them', async () => {
    const admins = (await scim.send('POST', '/scim/v2/Groups', { displayName: 'LLM Admins' })).json.id as string;
    const others = (await scim.send('POST', '/scim/v2/Groups', { displayName: 'Others' })).json.id as string;
    await scim.send('POST', '/scim/v2/Users', { userName: 'alice' });
    await scim.send('POST', '/scim/v2/Users', { userName: 'bob' });
    expect(await role('alice')).toBe('internal_user_viewer');
    // Through the group's members…
    await scim.send('PATCH', `/scim/v2/Groups/${admins}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'alice' }] }] });
    expect(await role('alice')).toBe('proxy_admin');
    await scim.send('PATCH', `/scim/v2/Groups/${others}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bob' }] }] });
    expect(await role('bob')).toBe('internal_user_viewer');
    await scim.send('PATCH', `/scim/v2/Groups/${admins}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "alice"]' }] });
    expect(await role('alice')).toBe('internal_user_viewer');
    // …through the user's groups…
    await scim.send('PATCH', '/scim/v2/Users/bob', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'groups', value: [{ value: admins }] }] });
    expect(await role('bob')).toBe('proxy_admin');
    // …and when the group goes away.
    expect((await scim.send('DELETE', `/scim/v2/Groups/${admins}`)).status).toBe(204);
    expect(await role('bob')).toBe('internal_user_viewer');
  });
});
