/**
 * The registry under runtime changes (plugin-sdk/deployment-source.ts): a change rebuilds only
 * the groups it touches and swaps them in whole, readers of other groups keep their very arrays,
 * and a removed deployment still answers by id for calls routed to it before the change.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfig, ProviderAdapter } from '@sluice/plugin-sdk';
import { ModelRegistry, routableOf, type RegisteredDeployment } from '../kernel/models/model-registry.js';

function deployment(id: string, modelName: string, params: Record<string, unknown> = {}, source?: string): RegisteredDeployment {
  const config = {
    id, modelName, provider: 'fake', model: modelName, apiBase: undefined, apiKey: 'sk-secret', apiVersion: undefined,
    timeoutMs: 1000, streamTimeoutMs: 1000, rpm: undefined, tpm: undefined,
    params: { model: `fake/${modelName}`, aws_secret_access_key: 'aws-secret', ...params }, modelInfo: { id },
  } as DeploymentConfig;
  const route = routableOf(config);
  const adapter: ProviderAdapter = { call: async () => ({ kind: 'json', status: 200, body: {} }) };
  return {
    config, route, adapter, info: { id, modelName, provider: 'fake', model: modelName, apiBase: undefined },
    endpoints: new Set(['chat']), providerPlugin: 'provider-fake', owner: 'fake',
    priced: { deployment: route, modelInfo: config.modelInfo, endpoints: ['chat'] }, ...(source && { source }),
  };
}

describe('ModelRegistry.apply', () => {
  it('adds, replaces and removes deployments; untouched groups keep their arrays', () => {
    const registry = new ModelRegistry([deployment('c1', 'a'), deployment('c2', 'b')]);
    const before = registry.routable('b', 'chat');
    let changes = 0;
    registry.onChange(() => changes++);

    registry.apply([deployment('r1', 'a', {}, 'store'), deployment('r2', 'new', {}, 'store')], []);
    expect(registry.routable('a', 'chat')!.map((r) => r.id)).toEqual(['c1', 'r1']);
    expect(registry.routable('new', 'chat')!.map((r) => r.id)).toEqual(['r2']);
    expect(registry.routable('b', 'chat')).toBe(before);
    expect(registry.list().map((m) => m.id)).toEqual(['a', 'b', 'new']);

    registry.apply([deployment('r2', 'renamed', {}, 'store')], ['r1']);
    expect(registry.routable('new', 'chat')).toBeUndefined();
    expect(registry.has('new')).toBe(false);
    expect(registry.routable('renamed', 'chat')!.map((r) => r.id)).toEqual(['r2']);
    expect(registry.routable('a', 'chat')!.map((r) => r.id)).toEqual(['c1']);
    expect(changes).toBe(2);
  });

  it('a removed deployment still answers by id (a call routed before the change finishes)', () => {
    const registry = new ModelRegistry([deployment('c1', 'a')]);
    registry.apply([deployment('r1', 'x', {}, 'store')], []);
    const routed = registry.routable('x', 'chat')![0]!;
    registry.apply([], ['r1']);
    expect(registry.routable('x', 'chat')).toBeUndefined();
    expect(registry.byId(routed.id)?.config.modelName).toBe('x');
    expect(registry.all().map((d) => d.config.id)).toEqual(['c1']);
  });

  it('shows plugins no credential and names where each deployment came from', () => {
    const registry = new ModelRegistry([deployment('c1', 'a')]);
    registry.apply([deployment('r1', 'x', { api_base: 'http://up' }, 'store')], []);
    const views = registry.views();
    expect(views.map((v) => [v.id, v.source])).toEqual([['c1', 'config'], ['r1', 'store']]);
    expect(JSON.stringify(views)).not.toContain('secret');
    expect(views[1]!.params).toEqual({ model: 'fake/x', api_base: 'http://up' });
    expect(registry.views()).toBe(views); // built once per change
  });
});
