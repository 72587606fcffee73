import { describe, expect, it } from 'vitest';
import { createTestKernel, type TestHttpRoutes } from '@sluice/plugin-sdk/testing';
import configSchema from '../config.schema.json' with { type: 'json' };
import manifest from '../plugin.json' with { type: 'json' };
import plugin, { RESOLVER_NAME } from '../src/index.js';

const config = { base_url: 'https://vault.acme.example' };
// What the operator grants in YAML (grants: { http: [vault.acme.example], secrets: [__ERROR_PREFIX___TOKEN] }).
const grants = { http: ['vault.acme.example'], secrets: ['__ERROR_PREFIX___TOKEN'] };
const secrets = { __ERROR_PREFIX___TOKEN: 'store-token' };

function store(): { routes: TestHttpRoutes; authorizations: (string | undefined)[] } {
  const authorizations: (string | undefined)[] = [];
  const routes: TestHttpRoutes = {
    'GET https://vault.acme.example/v1/secrets/OPENAI_API_KEY': (_url, init) => {
      authorizations.push(init.headers?.authorization);
      return { status: 200, body: { value: 'sk-from-the-store' } };
    },
    'GET https://vault.acme.example/v1/secrets/UNKNOWN': { status: 404, body: { error: 'not found' } },
  };
  return { routes, authorizations };
}

describe('__ID__', () => {
  it('reads a secret from the store with the granted token', async () => {
    const { routes, authorizations } = store();
    const kernel = await createTestKernel(plugin, { config, configSchema, manifest, grants, secrets, http: routes });
    expect(kernel.taps.secretResolvers).toEqual([RESOLVER_NAME]);
    expect(await kernel.resolveSecret(RESOLVER_NAME, 'OPENAI_API_KEY')).toBe('sk-from-the-store');
    expect(authorizations).toEqual(['Bearer store-token']);
  });

  it('answers undefined for a secret the store does not have', async () => {
    const kernel = await createTestKernel(plugin, { config, configSchema, manifest, grants, secrets, http: store().routes });
    expect(await kernel.resolveSecret(RESOLVER_NAME, 'UNKNOWN')).toBeUndefined();
  });

  it('reuses a value until cache_ttl_ms has passed', async () => {
    let clock = 1_000;
    const kernel = await createTestKernel(plugin, { config: { ...config, cache_ttl_ms: 500 }, configSchema, manifest, grants, secrets, http: store().routes, now: () => clock });
    await kernel.resolveSecret(RESOLVER_NAME, 'OPENAI_API_KEY');
    await kernel.resolveSecret(RESOLVER_NAME, 'OPENAI_API_KEY');
    expect(kernel.fetches).toHaveLength(1);
    clock += 501;
    await kernel.resolveSecret(RESOLVER_NAME, 'OPENAI_API_KEY');
    expect(kernel.fetches).toHaveLength(2);
  });
});
