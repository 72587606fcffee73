/**
 * The key_management_settings rules every secret-manager plugin shares (secret-manager.ts). The
 * managers themselves are tested against their fake servers in plugins/secrets-*; here the
 * manager is a Map, so each LiteLLM rule is seen on its own.
 */
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics.js';
import { secretManagerResolver, storedSecretName, type KeyManagementSettings, type SecretManagerOperations } from './secret-manager.js';
import type { Logger } from './capabilities.js';

function logger(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (o, m) => void lines.push(String(m ?? o)),
    error: (o, m) => void lines.push(String(m ?? o)),
    child: () => log,
  };
  return log;
}

function manager(values: Record<string, string> = {}) {
  const store = new Map(Object.entries(values));
  const calls: string[] = [];
  let down = false;
  const ops: SecretManagerOperations = {
    async read(name) {
      calls.push(`read ${name}`);
      if (down) throw new Error('connection refused');
      return store.get(name);
    },
    async write(name, value, meta) {
      calls.push(`write ${name} ${JSON.stringify(meta)}`);
      store.set(name, value);
    },
    async remove(name) {
      calls.push(`remove ${name}`);
      store.delete(name);
    },
  };
  return { store, calls, ops, setDown: (d: boolean) => (down = d) };
}

function resolver(settings: KeyManagementSettings, m = manager(), extra: { ttl?: number; now?: () => number; lines?: string[]; metrics?: MetricsRegistry } = {}) {
  return secretManagerResolver({
    name: 'test_manager',
    pluginId: 'secrets-test',
    settings,
    operations: m.ops,
    cacheTtlMs: extra.ttl ?? 60_000,
    log: logger(extra.lines ?? []),
    metrics: extra.metrics?.forOwner('secrets-test'),
    now: extra.now,
  });
}

describe('secretManagerResolver', () => {
  it('names stored keys as LiteLLM does, without prefixing twice', () => {
    expect(storedSecretName(undefined, 'alias')).toBe('litellm/alias');
    expect(storedSecretName('team', 'alias')).toBe('team/alias');
    expect(storedSecretName('', 'alias')).toBe('alias');
    expect(storedSecretName('litellm/', 'litellm/alias')).toBe('litellm/alias');
  });

  it('reads only hosted_keys when they are set', async () => {
    const m = manager({ A: '1', B: '2' });
    const r = resolver({ hosted_keys: ['A'] }, m);
    expect(await r.get('A')).toBe('1');
    expect(await r.get('B')).toBeUndefined();
    expect(m.calls).toEqual(['read A']);
  });

  it('reads every name from the primary_secret_name JSON secret', async () => {
    const m = manager({ 'litellm-config': JSON.stringify({ OPENAI_API_KEY: 'sk-1', PORT: 8080 }) });
    const r = resolver({ primary_secret_name: 'litellm-config' }, m);
    expect(await r.get('OPENAI_API_KEY')).toBe('sk-1');
    expect(await r.get('PORT')).toBe('8080');
    expect(await r.get('MISSING')).toBeUndefined();
    expect(m.calls).toEqual(['read litellm-config']);
    const broken = resolver({ primary_secret_name: 'x' }, manager({ x: 'not json sk-secret' }));
    await expect(broken.get('A')).rejects.toThrow('the primary secret x is not a JSON object');
    await expect(broken.get('A')).rejects.not.toThrow(/sk-secret/);
  });

  it('follows access_mode and store_virtual_keys for reading and writing', async () => {
    expect(resolver({}).write).toBeUndefined();
    expect(resolver({ store_virtual_keys: true }).write).toBeUndefined(); // read_only by default
    const m = manager({ A: '1' });
    const writeOnly = resolver({ store_virtual_keys: true, access_mode: 'write_only', description: 'd', tags: { env: 'prod' } }, m);
    expect(await writeOnly.get('A')).toBeUndefined();
    await writeOnly.write!('alias', 'sk-v', { tags: { team: 't' } });
    expect(m.store.get('litellm/alias')).toBe('sk-v');
    expect(m.calls.at(-1)).toBe('write litellm/alias {"description":"d","tags":{"env":"prod","team":"t"}}');
    await writeOnly.remove!('alias');
    expect(m.store.has('litellm/alias')).toBe(false);
  });

  it('caches for the TTL, serves the stale value through an outage (logged once, counted), rejects what it never had', async () => {
    let now = 0;
    const lines: string[] = [];
    const metrics = new MetricsRegistry();
    const m = manager({ A: 'v1' });
    const r = resolver({}, m, { ttl: 1000, now: () => now, lines, metrics });
    expect(r.refreshIntervalMs).toBe(1000);
    expect(await r.get('A')).toBe('v1');
    m.store.set('A', 'v2');
    now = 999;
    expect(await r.get('A')).toBe('v1');
    now = 1000;
    expect(await r.get('A')).toBe('v2');
    m.setDown(true);
    now = 2500;
    expect(await r.get('A')).toBe('v2');
    now = 4000;
    expect(await r.get('A')).toBe('v2');
    await expect(r.get('B')).rejects.toThrow('connection refused');
    expect(lines).toHaveLength(1);
    expect(metrics.value('secrets_test_read_failures_total', { stale: 'true' })).toBe(2);
    expect(metrics.value('secrets_test_read_failures_total', { stale: 'false' })).toBe(1);
    m.setDown(false);
    now = 6000;
    expect(await r.get('A')).toBe('v2');
  });

  it('shares one read between concurrent lookups of a name', async () => {
    const m = manager({ A: '1' });
    const r = resolver({}, m);
    await Promise.all([r.get('A'), r.get('A'), r.get('A')]);
    expect(m.calls).toEqual(['read A']);
  });
});
