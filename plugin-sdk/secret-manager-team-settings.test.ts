/**
 * Team-level secret manager settings (`SecretWriteMeta.settings`) through the shared resolver
 * (secret-manager.ts): handed to the manager's write and remove unchanged, and a secret written to a
 * team's location does not answer reads of the configured one from the cache.
 */
import { describe, expect, it } from 'vitest';
import { secretManagerResolver, type SecretManagerOperations } from './secret-manager.js';
import type { Logger, SecretWriteMeta } from './capabilities.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

function recording() {
  const calls: Array<[string, string, SecretWriteMeta | undefined]> = [];
  const defaults = new Map<string, string>();
  const ops: SecretManagerOperations = {
    async read(name) {
      calls.push(['read', name, undefined]);
      return defaults.get(name);
    },
    async write(name, value, meta) {
      calls.push(['write', name, meta]);
      if (!meta.settings) defaults.set(name, value);
    },
    async remove(name, meta) {
      calls.push(['remove', name, meta]);
      if (!meta?.settings) defaults.delete(name);
    },
  };
  const resolver = secretManagerResolver({
    name: 'test_manager',
    pluginId: 'secrets-test',
    settings: { store_virtual_keys: true, access_mode: 'read_and_write' },
    operations: ops,
    cacheTtlMs: 60_000,
    log: quiet,
  });
  return { calls, resolver };
}

describe('secretManagerResolver: team settings', () => {
  it('passes a team\'s settings to write and remove; without them the manager gets none', async () => {
    const { calls, resolver } = recording();
    const settings = { namespace: 'teams/a', mount: 'kv-team' };
    await resolver.write!('k1', 'sk-team-1', { description: 'd', settings });
    await resolver.remove!('k1', { settings });
    await resolver.write!('k2', 'sk-plain-2');
    await resolver.remove!('k2');
    expect(calls).toEqual([
      ['write', 'litellm/k1', { description: 'd', tags: {}, settings }],
      ['remove', 'litellm/k1', { settings }],
      ['write', 'litellm/k2', { description: undefined, tags: {} }],
      ['remove', 'litellm/k2', undefined],
    ]);
  });

  it('a team-located write is not cached as the configured location\'s value; an empty settings object is no settings', async () => {
    const { calls, resolver } = recording();
    await resolver.write!('k3', 'sk-team-3', { settings: { mount: 'kv-team' } });
    expect(await resolver.get('litellm/k3')).toBeUndefined();
    expect(calls.at(-1)).toEqual(['read', 'litellm/k3', undefined]);
    await resolver.write!('k4', 'sk-plain-4', { settings: {} });
    calls.splice(0);
    expect(await resolver.get('litellm/k4')).toBe('sk-plain-4');
    expect(calls).toEqual([]);
  });
});
