/**
 * Okta's provisioning requests, in the order and shape Okta's "SCIM 2.0 protocol reference"
 * documents them: find the user by userName (startIndex=1&count=100), create it, read it, replace
 * it (PUT), deactivate and reactivate it with a path-less PATCH, push a password (never stored);
 * create a group, find it by displayName, read it without members, rename it with a path-less
 * PATCH, add and remove members (a `members[value eq "…"]` path), replace it (PUT), delete it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { scimClient, scimConfig, withFilter } from './scim-client.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('Okta provisioning sequence', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);

  beforeAll(async () => {
    gw = await startGateway(scimConfig());
  });
  afterAll(async () => {
    await gw?.close();
  });

  let userId: string;
  let key: string;

  it('GET /Users?filter=userName eq … finds nobody before the user is created', async () => {
    const r = await scim.get(withFilter('/scim/v2/Users', 'userName eq "test.user@okta.local"', '&startIndex=1&count=100'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(r.json).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('POST /Users creates the user (userName → user_id, emails[0] → user_email, externalId → sso_user_id), 201', async () => {
    const r = await scim.send('POST', '/scim/v2/Users', {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(r.json).toMatchObject({
      schemas: [USER],
      id: 'test.user@okta.local',
      userName: 'test.user@okta.local',
      externalId: '00ujl29u0le5T6Aj10h7',
      displayName: 'Test User',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ value: 'test.user@okta.local', primary: true }],
      groups: [],
      active: true,
      meta: { resourceType: 'User', location: expect.stringMatching(/\/scim\/v2\/Users\/test\.user%40okta\.local$/) },
    });
    expect(r.headers.get('location')).toBe(r.json.meta.location);
    userId = r.json.id;
    // The record as the management API shows it: LiteLLM's mapping, no key, the default SCIM role, no password.
    const info = await scim.admin('GET', `/user/info?user_id=${encodeURIComponent(userId)}`);
    expect(info.user_info).toMatchObject({ user_id: userId, user_email: 'test.user@okta.local', sso_user_id: '00ujl29u0le5T6Aj10h7', user_alias: 'Test User', user_role: 'internal_user_viewer' });
    expect(info.keys).toEqual([]);
    expect(JSON.stringify(info)).not.toContain('1mz050nq');
  });

  it('POST /Users again with the same userName is a 409 uniqueness error', async () => {
    const r = await scim.send('POST', '/scim/v2/Users', { schemas: [USER], userName: 'test.user@okta.local', emails: [{ value: 'other@okta.local' }] });
    expect(r.status).toBe(409);
    expect(r.json).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'User already exists with username: test.user@okta.local',
    });
  });

  it('GET /Users/{id} and the userName filter now find it', async () => {
    const one = await scim.get(`/scim/v2/Users/${encodeURIComponent(userId)}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: userId, active: true });
    const list = await scim.get(withFilter('/scim/v2/Users', 'userName eq "test.user@okta.local"', '&startIndex=1&count=100'));
    expect(list.json).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: [{ id: userId }] });
  });

  it('PUT /Users/{id} replaces the profile', async () => {
    const r = await scim.send('PUT', `/scim/v2/Users/${encodeURIComponent(userId)}`, {
      schemas: [USER],
      id: userId,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Another User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      active: true,
      meta: { resourceType: 'User' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ id: userId, displayName: 'Another User', name: { givenName: 'Another', familyName: 'User' }, active: true });
  });

  it('PATCH {"op":"replace","value":{"active":false}} deactivates the user: its keys are refused; true admits them again', async () => {
    key = (await scim.admin('POST', '/key/generate', { user_id: userId })).key;
    expect((await scim.chat(key)).status).toBe(200);
    const off = await scim.send('PATCH', `/scim/v2/Users/${encodeURIComponent(userId)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.status, off.text).toBe(200);
    expect(off.json.active).toBe(false);
    const refused = await scim.chat(key);
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toContain('Key is blocked');
    expect((await scim.get(`/scim/v2/Users/${encodeURIComponent(userId)}`)).json.active).toBe(false);
    // A PUT that omits `active` keeps the user deactivated (LiteLLM).
    await scim.send('PUT', `/scim/v2/Users/${encodeURIComponent(userId)}`, { schemas: [USER], userName: userId, emails: [{ value: userId }], name: { givenName: 'Another', familyName: 'User' } });
    expect((await scim.chat(key)).status).toBe(401);
    const on = await scim.send('PATCH', `/scim/v2/Users/${encodeURIComponent(userId)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.json.active).toBe(true);
    expect((await scim.chat(key)).status).toBe(200);
  });

  it('a key an admin blocked stays blocked when SCIM reactivates the user', async () => {
    const own = (await scim.admin('POST', '/key/generate', { user_id: userId })).key;
    await scim.admin('POST', '/key/block', { key: own });
    const patch = (active: boolean) => scim.send('PATCH', `/scim/v2/Users/${encodeURIComponent(userId)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active } }] });
    await patch(false);
    await patch(true);
    expect((await scim.chat(own)).status).toBe(401);
    expect((await scim.chat(key)).status).toBe(200);
  });

  it('PATCH {"op":"replace","value":{"password":…}} is accepted and the password is not stored', async () => {
    const r = await scim.send('PATCH', `/scim/v2/Users/${encodeURIComponent(userId)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: 't1meMa$heen' } }] });
    expect(r.status).toBe(200);
    const info = await scim.admin('GET', `/user/info?user_id=${encodeURIComponent(userId)}`);
    expect(JSON.stringify(info)).not.toContain('t1meMa$heen');
  });

  let groupId: string;

  it('POST /Groups creates a team (displayName → team_alias), 201', async () => {
    const r = await scim.send('POST', '/scim/v2/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ schemas: [GROUP], displayName: 'Test SCIMv2', members: [], meta: { resourceType: 'Group' } });
    groupId = r.json.id;
    expect(groupId).toMatch(/^[0-9a-f-]{36}$/);
    const team = await scim.admin('GET', `/team/info?team_id=${groupId}`);
    expect(team.team_info).toMatchObject({ team_alias: 'Test SCIMv2', metadata: { scim_managed: true }, members_with_roles: [] });
  });

  it('GET /Groups?filter=displayName eq … finds it; GET /Groups/{id}?excludedAttributes=members leaves members out', async () => {
    const list = await scim.get(withFilter('/scim/v2/Groups', 'displayName eq "Test SCIMv2"', '&startIndex=1&count=100'));
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ totalResults: 1, Resources: [{ id: groupId, displayName: 'Test SCIMv2' }] });
    expect((await scim.get(withFilter('/scim/v2/Groups', 'displayName eq "Test SCIM"'))).json.totalResults).toBe(0);
    const one = await scim.get(`/scim/v2/Groups/${groupId}?excludedAttributes=members`);
    expect(one.json).toMatchObject({ id: groupId, displayName: 'Test SCIMv2' });
    expect(one.json).not.toHaveProperty('members');
  });

  it('PATCH {"op":"replace","value":{"id","displayName"}} renames the group', async () => {
    const r = await scim.send('PATCH', `/scim/v2/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 Renamed' } }] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.displayName).toBe('Test SCIMv2 Renamed');
    expect((await scim.admin('GET', `/team/info?team_id=${groupId}`)).team_info.team_alias).toBe('Test SCIMv2 Renamed');
  });

  it('PATCH add members, then remove with a members[value eq "…"] path: team membership follows', async () => {
    const add = await scim.send('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] }],
    });
    expect(add.status, add.text).toBe(200);
    expect(add.json.members).toEqual([expect.objectContaining({ value: userId, display: 'test.user@okta.local' })]);
    expect((await scim.admin('GET', `/team/info?team_id=${groupId}`)).team_info.members_with_roles).toEqual([{ user_id: userId, user_email: 'test.user@okta.local', role: 'user' }]);
    expect((await scim.get(`/scim/v2/Users/${encodeURIComponent(userId)}`)).json.groups).toEqual([expect.objectContaining({ value: groupId, display: 'Test SCIMv2 Renamed' })]);
    const remove = await scim.send('PATCH', `/scim/v2/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] });
    expect(remove.status, remove.text).toBe(200);
    expect(remove.json.members).toEqual([]);
    expect((await scim.get(`/scim/v2/Users/${encodeURIComponent(userId)}`)).json.groups).toEqual([]);
  });

  it('PUT /Groups/{id} replaces name and members', async () => {
    const r = await scim.send('PUT', `/scim/v2/Groups/${groupId}`, { schemas: [GROUP], id: groupId, displayName: 'Test SCIMv2', members: [{ value: userId, display: 'test.user@okta.local' }] });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ displayName: 'Test SCIMv2', members: [{ value: userId }] });
  });

  it('DELETE /Groups/{id} deletes the team (204); the group is then a SCIM 404', async () => {
    const r = await scim.send('DELETE', `/scim/v2/Groups/${groupId}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const gone = await scim.get(`/scim/v2/Groups/${groupId}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: `Group not found with ID: ${groupId}` });
  });

  it('DELETE /Users/{id} deletes the user and its keys (204)', async () => {
    const r = await scim.send('DELETE', `/scim/v2/Users/${encodeURIComponent(userId)}`);
    expect(r.status).toBe(204);
    expect((await scim.get(`/scim/v2/Users/${encodeURIComponent(userId)}`)).status).toBe(404);
    expect((await scim.chat(key)).status).toBe(401);
  });
});
