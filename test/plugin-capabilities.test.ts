/**
 * An in-process plugin gets only the capabilities its plugin.json declares, as a sandboxed plugin
 * gets only what its grants allow: an undeclared one throws, naming the missing declaration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const g = globalThis as unknown as { __capabilities: Record<string, unknown> };

function gatewayWith(capabilities: string[] | undefined, setupBody: string): Promise<TestGateway> {
  const dir = writeTestPlugin(
    { id: 'capability-probe', source: pluginSource(setupBody), ...(capabilities && { manifestExtra: { capabilities } }) },
    tempDir('sluice-capabilities-'),
  );
  return startGateway(
    { model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }], general_settings: { master_key: MASTER_KEY }, plugins: [{ use: 'capability-probe' }] } as never,
    { extraPluginDirs: [dir] },
  );
}

describe('manifest capabilities are enforced in process', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it.each([
    ['counters', 'ctx.counters'],
    ['storage', 'ctx.database'],
    ['kv', 'ctx.kv'],
    ['http', 'ctx.http'],
  ])('a plugin that did not declare %s does not get %s', async (capability, use) => {
    await expect(gatewayWith(['log'], `${use}; return {};`)).rejects.toThrow(
      `capability-probe@1.0.0 uses ${use}, but its plugin.json does not declare the capability "${capability}" (capabilities: [log]); add it to "capabilities"`,
    );
  });

  it('a plugin that declared them gets the gateway\'s own objects', async () => {
    gw = await gatewayWith(['counters', 'storage', 'kv', 'http'], `globalThis.__capabilities = { counters: typeof ctx.counters.incrBy, knex: typeof ctx.database.knex, kv: typeof ctx.kv.get, http: typeof ctx.http.request }; return {};`);
    expect(g.__capabilities).toEqual({ counters: 'function', knex: 'function', kv: 'function', http: 'function' });
  });

  it('reading a secret needs "secrets"; redacting and scrubbing do not', async () => {
    gw = await gatewayWith(
      undefined,
      `ctx.secrets.redact('s3cr3t-value'); globalThis.__capabilities = { scrubbed: ctx.secrets.scrub('x s3cr3t-value'), read: await ctx.secrets.get('HOME').then(() => 'read', (e) => e.message) }; return {};`,
    );
    expect(g.__capabilities).toEqual({
      scrubbed: 'x [REDACTED]',
      read: 'capability-probe@1.0.0 uses ctx.secrets.get, but its plugin.json does not declare the capability "secrets" (capabilities: []); add it to "capabilities"',
    });
  });
});
