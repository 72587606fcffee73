/**
 * LiteLLM's `tests/proxy_admin_ui_tests/test_role_based_access.py`, ported over HTTP. Upstream
 * calls new_organization, organization_member_add, generate_key_fn, user_api_key_auth, new_team
 * and new_user in Python; here the same requests go to /organization/new,
 * /organization/member_add, /key/generate, /team/new and /user/new, with the master key where
 * upstream acts as proxy admin and with the org admin's own key where it authenticates one.
 * "The user object's organization_memberships" (get_user_object) is read from /user/info.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from './compat-helpers.js';
import { startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

let proxy: LiteLLMProxy;

const newOrganization = async () => ok(await proxy.request('POST', '/organization/new', { body: { organization_alias: `new-org-${randomUUID()}` } }), '/organization/new').organization_id as string;
const memberAdd = async (organization_id: string, user_id: string, role: string) =>
  ok(await proxy.request('POST', '/organization/member_add', { body: { organization_id, member: { role, user_id } } }), '/organization/member_add');
const keyFor = async (user_id: string) => ok(await proxy.request('POST', '/key/generate', { body: { user_id } }), '/key/generate').key as string;

beforeAll(async () => {
  proxy = await startLiteLLMProxy();
});
afterAll(async () => {
  await proxy?.close();
});

describe('tests/proxy_admin_ui_tests/test_role_based_access.py', () => {
  // tests/proxy_admin_ui_tests/test_role_based_access.py::test_create_new_user_in_organization (parametrized: user_role)
  it.each(['org_admin', 'internal_user', 'internal_user_viewer'])('test_create_new_user_in_organization[%s]', async (user_role) => {
    const created_user_id = `new-user-${randomUUID()}`;
    const org_id = await newOrganization();
    await memberAdd(org_id, created_user_id, user_role);
    const user_object = ok(await proxy.request('GET', `/user/info?user_id=${created_user_id}`), '/user/info').user_info;
    expect(user_object.organization_memberships).toBeDefined();
    const membership = user_object.organization_memberships[0];
    expect(membership.user_id).toBe(created_user_id);
    expect(membership.organization_id).toBe(org_id);
    expect(membership.user_role).toBe(user_role);
  });

  // tests/proxy_admin_ui_tests/test_role_based_access.py::test_org_admin_create_team_permissions
  it('test_org_admin_create_team_permissions', async () => {
    const org_id = await newOrganization();
    const created_user_id = `new-user-${randomUUID()}`;
    await memberAdd(org_id, created_user_id, 'org_admin');
    const new_key = await keyFor(created_user_id);
    ok(await proxy.request('POST', '/team/new', { key: new_key, body: { organization_id: org_id } }), '/team/new as the org admin');
  });

  // tests/proxy_admin_ui_tests/test_role_based_access.py::test_org_admin_create_user_permissions
  it('test_org_admin_create_user_permissions', async () => {
    const org_id = await newOrganization();
    const created_user_id = `new-user-${randomUUID()}`;
    await memberAdd(org_id, created_user_id, 'org_admin');
    const new_key = await keyFor(created_user_id);
    ok(await proxy.request('POST', '/user/new', { key: new_key, body: { organization_id: org_id } }), '/user/new as the org admin');
  });

  // tests/proxy_admin_ui_tests/test_role_based_access.py::test_org_admin_create_user_team_wrong_org_permissions
  it('test_org_admin_create_user_team_wrong_org_permissions', async () => {
    const org_id = await newOrganization();
    const org_without_admins = await newOrganization();
    const admin = ok(await proxy.request('POST', '/user/new', { body: { organization_id: org_id, user_role: 'org_admin' } }), '/user/new');
    const new_key = await keyFor(admin.user_id);

    const user = await proxy.request('POST', '/user/new', { key: new_key, body: { organization_id: org_without_admins } });
    expect(user.status, 'This should have failed!. creating a user in an org without admins').not.toBe(200);
    expect(user.body.error.message).toContain('You are not a member of the organization specified in the request body. Passed organization_id');

    const team = await proxy.request('POST', '/team/new', { key: new_key, body: { organization_id: org_without_admins } });
    expect(team.status, 'This should have failed!. creating a team in an org without admins').not.toBe(200);
    expect(team.body.error.message).toContain('You are not a member of the organization specified in the request body');
  });
});
