/**
 * Microsoft Entra ID's provisioning requests, as "Tutorial: develop and plan provisioning for a
 * SCIM endpoint" lists them: the connection test's userName query, create user, get, query by
 * userName (one and zero results), PATCH multi-valued (`emails[type eq "work"].value`) and
 * single-valued properties with `"op": "Replace"` capitalised, disable (`active` false, and the
 * path-less `{"active": "False"}` string Entra sends without its compliance flag), delete; create
 * group (externalId), get and query it without members, rename it, add and remove members with
 * `"op": "Add"` / `"Remove"` and `$ref: null`, delete it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { scimClient, scimConfig, withFilter } from './scim-client.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('Microsoft Entra ID provisioning sequence', () => {
  let gw: TestGateway;
  const scim = scimClient(() => gw);
  const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';
  let key: string;

  beforeAll(async () => {
    gw = await startGateway(scimConfig({ litellm_settings: { default_internal_user_params: { user_role: 'internal_user' } } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('the connection test queries a random userName: 200, no results', async () => {
    const r = await scim.get(withFilter('/scim/v2/Users', 'userName eq "a4c3f0e1-2b1d-4e0c-9a8b-7c6d5e4f3a2b"'));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('Create User: 201, the enterprise extension kept, default_internal_user_params.user_role applied', async () => {
    const r = await scim.send('POST', '/scim/v2/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Engineering', employeeNumber: '1234' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      id: userName,
      userName,
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      active: true,
      emails: [{ value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com', primary: true }],
      name: { givenName: 'givenName', familyName: 'familyName', formatted: 'givenName familyName' },
      [ENTERPRISE]: { department: 'Engineering', employeeNumber: '1234' },
    });
    expect(r.json.schemas).toEqual([USER, ENTERPRISE]);
    expect((await scim.admin('GET', `/user/info?user_id=${userName}`)).user_info.user_role).toBe('internal_user');
    key = (await scim.admin('POST', '/key/generate', { user_id: userName })).key;
  });

  it('Get User, Get User by query (one result), Get User by query (zero results)', async () => {
    expect((await scim.get(`/scim/v2/Users/${userName}`)).json).toMatchObject({ id: userName, active: true });
    const one = await scim.get(withFilter('/scim/v2/Users', `userName eq "${userName}"`));
    expect(one.json).toMatchObject({ totalResults: 1, Resources: [{ id: userName }] });
    const none = await scim.get(withFilter('/scim/v2/Users', 'userName eq "non-existent user"'));
    expect(none.json).toMatchObject({ totalResults: 0, Resources: [] });
    // Entra may also match on externalId (its objectId) or the email.
    expect((await scim.get(withFilter('/scim/v2/Users', 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'))).json.totalResults).toBe(1);
    expect((await scim.get(withFilter('/scim/v2/Users', 'emails.value eq "test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@TESTUSER.com"'))).json.totalResults).toBe(1);
  });

  it('Update User [multi-valued properties]: "Replace" emails[type eq "work"].value and name.familyName', async () => {
    const r = await scim.send('PATCH', `/scim/v2/Users/${userName}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ emails: [{ value: 'updatedEmail@microsoft.com' }], name: { familyName: 'updatedFamilyName', givenName: 'givenName' } });
    expect((await scim.admin('GET', `/user/info?user_id=${userName}`)).user_info.user_email).toBe('updatedEmail@microsoft.com');
  });

  it('Update User [single-valued properties]: displayName, externalId, and a path-less "Add" with dotted keys', async () => {
    const r = await scim.send('PATCH', `/scim/v2/Users/${userName}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Updated Display' },
        { op: 'Add', value: { 'name.givenName': 'Updated Given', [`${ENTERPRISE}:department`]: 'Research' } },
        // userName is the user id: a rename is accepted and the id stays.
        { op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
      ],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ id: userName, userName, displayName: 'Updated Display', name: { givenName: 'Updated Given' }, [ENTERPRISE]: { department: 'Research', employeeNumber: '1234' } });
  });

  it('Disable User: the path-less {"active": "False"} string blocks the keys; {"op":"Replace","path":"active","value":true} unblocks', async () => {
    expect((await scim.chat(key)).status).toBe(200);
    const off = await scim.send('PATCH', `/scim/v2/Users/${userName}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] });
    expect(off.status, off.text).toBe(200);
    expect(off.json.active).toBe(false);
    expect((await scim.chat(key)).status).toBe(401);
    const on = await scim.send('PATCH', `/scim/v2/Users/${userName}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: true }] });
    expect(on.json.active).toBe(true);
    expect((await scim.chat(key)).status).toBe(200);
    const disable = await scim.send('PATCH', `/scim/v2/Users/${userName}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] });
    expect(disable.json.active).toBe(false);
    expect((await scim.chat(key)).status).toBe(401);
    await scim.send('PATCH', `/scim/v2/Users/${userName}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] });
    expect((await scim.chat(key)).status).toBe(200);
  });

  const groupExternalId = '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159';

  it('Create Group: 201, the team id is the externalId', async () => {
    const r = await scim.send('POST', '/scim/v2/Groups', { schemas: [GROUP], externalId: groupExternalId, displayName: 'displayName', meta: { resourceType: 'Group' } });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ id: groupExternalId, externalId: groupExternalId, displayName: 'displayName', members: [] });
  });

  it('Get Group and Get Group by displayName, with excludedAttributes=members', async () => {
    const one = await scim.get(`/scim/v2/Groups/${groupExternalId}?excludedAttributes=members`);
    expect(one.json).toMatchObject({ id: groupExternalId, displayName: 'displayName' });
    expect(one.json).not.toHaveProperty('members');
    const q = await scim.get(`/scim/v2/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`);
    expect(q.json).toMatchObject({ totalResults: 1, Resources: [{ id: groupExternalId }] });
    expect(q.json.Resources[0]).not.toHaveProperty('members');
    expect((await scim.get(withFilter('/scim/v2/Groups', `externalId eq "${groupExternalId}"`))).json.totalResults).toBe(1);
  });

  it('Update Group [non-member attributes]: "Replace" displayName', async () => {
    const r = await scim.send('PATCH', `/scim/v2/Groups/${groupExternalId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
  });

  it('Update Group [add members] and [remove members] with "Add" / "Remove" and $ref: null', async () => {
    const add = await scim.send('PATCH', `/scim/v2/Groups/${groupExternalId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userName }] }] });
    expect(add.status, add.text).toBe(200);
    expect(add.json.members).toEqual([expect.objectContaining({ value: userName })]);
    expect((await scim.admin('GET', `/team/info?team_id=${groupExternalId}`)).team_info.members_with_roles.map((m: { user_id: string }) => m.user_id)).toEqual([userName]);
    const remove = await scim.send('PATCH', `/scim/v2/Groups/${groupExternalId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userName }] }] });
    expect(remove.status, remove.text).toBe(200);
    expect(remove.json.members).toEqual([]);
    expect((await scim.admin('GET', `/team/info?team_id=${groupExternalId}`)).team_info.members_with_roles).toEqual([]);
  });

  it('Delete Group and Delete User: 204, then 404', async () => {
    expect((await scim.send('DELETE', `/scim/v2/Groups/${groupExternalId}`)).status).toBe(204);
    expect((await scim.get(`/scim/v2/Groups/${groupExternalId}`)).status).toBe(404);
    expect((await scim.send('DELETE', `/scim/v2/Users/${userName}`)).status).toBe(204);
    const gone = await scim.get(`/scim/v2/Users/${userName}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: `User not found with ID: ${userName}` });
    expect((await scim.chat(key)).status).toBe(401);
  });
});
