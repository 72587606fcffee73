/**
 * The kernel's generic per-request tap activation, without the guardrail framework: a plugin
 * providing `tapActivation` decides at load which taps of which plugins run always, run behind its
 * gate, or are left out; its config problems are reported against the config file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../schemas/generated/config.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { KERNEL_API_RANGE, pluginSource, writeTestPlugin } from './support/test-plugins.js';

/** Stamps the responses it sees, in preCall (gated) and postCall (left out). */
const stamp = writeTestPlugin({
  id: 'stamp-test',
  hooks: { preCall: { stage: 'DEFAULT' }, postCall: { stage: 'DEFAULT' } },
  source: pluginSource(`
    return {
      preCall: async (call) => { call.responseHeaders ??= {}; call.responseHeaders['x-stamped'] = 'pre'; },
      postCall: async (res) => { res.response.stamped = true; },
    };`),
});

/**
 * Lets stamp-test's preCall run only for calls with `x-stamp: yes`; leaves its postCall out. Its
 * checkConfig sees the enabled plugins and refuses `fail: true`.
 */
const provider = writeTestPlugin({
  id: 'activation-test',
  configSchema: { type: 'object', properties: { fail: { type: 'boolean' } }, additionalProperties: false },
  source: `export default {
    id: '__ID__', version: '__VERSION__', apiVersion: '${KERNEL_API_RANGE}',
    checkConfig(config, scope) {
      if (config.fail) { const e = new Error('is not what activation-test wants'); e.name = 'PluginConfigError'; e.path = 'plugins[1].config.fail'; throw e; }
      return ['activation-test saw ' + (scope.enabled.some((p) => p.id === 'stamp-test') ? 'stamp-test' : 'nothing')];
    },
    async setup() {
      return { tapActivation: { compile: () => ({
        gateFor(tap) {
          if (tap.pluginId !== 'stamp-test') return undefined;
          if (tap.lane === 'postCall') return null;
          return (arg, run) => (arg.headers['x-stamp'] === 'yes' ? run(arg) : Promise.resolve(undefined));
        },
      }) } };
    },
  };\n`,
});

const config = (providerConfig: object = {}, extra: Partial<SluiceConfig> = {}) =>
  proxyConfig('http://127.0.0.1:9', {
    plugins: [{ use: 'stamp-test' }, { use: 'activation-test', config: providerConfig }, { use: 'guardrails-litellm', enabled: false }],
    ...extra,
  } as Partial<SluiceConfig>);
const start = (c: SluiceConfig) => startGateway(c, { extraPluginDirs: [stamp, provider] });

let gw: TestGateway;
beforeAll(async () => {
  gw = await start(config());
});
afterAll(() => gw?.close());

const chat = (headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('a tap-activation provider', () => {
  it("runs a gated tap only on the calls its gate lets through", async () => {
    expect((await chat({ 'x-stamp': 'yes' })).headers.get('x-stamped')).toBe('pre');
    expect((await chat()).headers.get('x-stamped')).toBeNull();
  });

  it('leaves out the taps it drops, and taps the others as always', async () => {
    const stampTaps = gw.gateway.hookOrder.filter((l) => l.includes('stamp-test@'));
    expect(stampTaps).toEqual([expect.stringMatching(/^preCall /)]);
    const res = await chat({ 'x-stamp': 'yes' });
    expect(((await res.json()) as Record<string, unknown>).stamped).toBeUndefined();
  });

  it("a plugin's checkConfig sees the enabled plugins; its warnings join the config warnings", () => {
    expect(gw.gateway.warnings).toContain('activation-test saw stamp-test');
  });

  it("a config problem a plugin's checkConfig finds is a ConfigError naming the config path", async () => {
    const err = await start(config({ fail: true })).then(
      () => undefined,
      (e: unknown) => e as Error & { path: string },
    );
    expect(err).toMatchObject({ name: 'ConfigError', path: 'plugins[1].config.fail' });
    expect(err?.message).toContain('is not what activation-test wants');
  });

  it('is one per gateway: a second provider is refused', async () => {
    const c = config();
    c.plugins = c.plugins!.filter((p) => p.use !== 'guardrails-litellm');
    await expect(start(c)).rejects.toThrow(/provide tap activation; enable one/);
  });
});
