/**
 * LiteLLM's `tests/test_organizations.py`, ported (same requests, same assertions).
 *
 * Upstream's `list_organization` POSTs to /organization/list (LiteLLM serves it as GET) and the
 * stored file does not even parse (`test_organization_list` is mis-indented and calls
 * `list_organization(session)` without `i`), so it never ran: the port sends GET, as LiteLLM's
 * route and UI do, and keeps its assertion (the list is not empty).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from './compat-helpers.js';
import { startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

let proxy: LiteLLMProxy;

async function newOrganization(organization_alias: string, max_budget: number | null = null) {
  return ok(await proxy.request('POST', '/organization/new', { body: { organization_alias, models: ['azure-models'], max_budget } }), '/organization/new');
}

beforeAll(async () => {
  proxy = await startLiteLLMProxy();
});
afterAll(async () => {
  await proxy?.close();
});

describe('tests/test_organizations.py', () => {
  // tests/test_organizations.py::test_organization_new
  it('test_organization_new', async () => {
    const organization_alias = `Organization: ${randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 19 }, () => newOrganization(organization_alias)));
    expect(answers).toHaveLength(19);
  });

  // tests/test_organizations.py::test_organization_list
  it('test_organization_list', async () => {
    const organization_alias = `Organization: ${randomUUID()}`;
    await newOrganization(organization_alias);
    const response_json = ok(await proxy.request('GET', '/organization/list'), '/organization/list');
    if (response_json.length === 0) throw new Error('Return empty list of organization');
  });
});
