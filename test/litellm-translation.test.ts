/** LiteLLM's config → Sluice's native config (kernel/config/litellm/), and the native form on its own. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../kernel/cli/config-check.js';
import { createGateway } from '../kernel/gateway.js';
import { composePluginConfig, settingsWarnings, translateLiteLLMConfig } from '../kernel/config/litellm/translate-litellm-config.js';
import { parseConfigText } from '../kernel/config/read-config-file.js';
import { scanPlugins } from '../kernel/plugins/plugin-catalog.js';
import { resolvePlugins } from '../kernel/plugins/resolve-plugins.js';
import { tempDir } from './support/gateway.js';

const catalog = scanPlugins();
const installed = catalog.latest();

async function translate(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return translateLiteLLMConfig(parseConfigText(yaml), installed, env);
}

describe('LiteLLM backends → storage:', () => {
  it('reads the database from general_settings.database_url unless storage: names one', async () => {
    expect((await translate('general_settings:\n  database_url: postgres://db/litellm\n')).config.storage).toEqual({ database_url: 'postgres://db/litellm' });
    const both = await translate('general_settings:\n  database_url: postgres://db/litellm\nstorage:\n  database_url: sqlite:own.db\n');
    expect(both.config.storage?.database_url).toBe('sqlite:own.db');
  });

  it('builds the Redis URL from router_settings.redis_*, resolving os.environ/ references', async () => {
    const { config } = await translate('router_settings:\n  redis_host: os.environ/RH\n  redis_port: 6390\n  redis_password: "p@ss"\n', { RH: 'cache.internal' });
    expect(config.storage?.redis_url).toBe('redis://:p%40ss@cache.internal:6390');
  });

  it("falls back to LiteLLM's REDIS_HOST / REDIS_PORT / REDIS_PASSWORD, and storage.redis_url wins over all of them", async () => {
    const env = { REDIS_HOST: 'r1', REDIS_PASSWORD: 'pw' };
    expect((await translate('model_list: []\n', env)).config.storage?.redis_url).toBe('redis://:pw@r1:6379');
    expect((await translate('storage:\n  redis_url: redis://own:6379\nrouter_settings:\n  redis_host: other\n', env)).config.storage?.redis_url).toBe('redis://own:6379');
  });

  it('is what the gateway opens', async () => {
    const dir = tempDir();
    const logDestination = new Writable({ write: (_c, _e, cb) => cb() });
    const gw = await createGateway({ config: { general_settings: { database_url: `sqlite:${join(dir, 'litellm.db')}`, master_key: 'sk-translation-1234' } }, env: { SLUICE_DATA_DIR: dir }, logDestination });
    try {
      expect(gw.storage.location).toBe(join(dir, 'litellm.db'));
    } finally {
      await gw.close();
    }
    // A Redis that is not up does not stop startup (as LiteLLM): a warning names it.
    const down = await createGateway({ config: { router_settings: { redis_host: '127.0.0.1', redis_port: 1 } }, env: { SLUICE_DATA_DIR: dir }, logDestination });
    try {
      expect(down.warnings).toContainEqual(expect.stringMatching(/^Cannot connect to Redis at redis:\/\/127\.0\.0\.1:1\b/));
    } finally {
      await down.close();
    }
  });

  it('leaves a config without backend settings without storage:', async () => {
    expect((await translate('model_list: []\n')).config.storage).toBeUndefined();
  });
});

describe('LiteLLM timeouts → server:', () => {
  it('takes router_settings.timeout, else litellm_settings.request_timeout, and router_settings.stream_timeout', async () => {
    const both = await translate('router_settings:\n  timeout: "30"\n  stream_timeout: 5\nlitellm_settings:\n  request_timeout: 20\nserver:\n  port: 4100\n');
    expect(both.config.server).toMatchObject({ port: 4100, default_timeout_s: 30, default_stream_timeout_s: 5 });
    const fallback = await translate('router_settings:\n  timeout: soon\nlitellm_settings:\n  request_timeout: os.environ/REQ_TIMEOUT\n', { REQ_TIMEOUT: '45' });
    expect(fallback.config.server?.default_timeout_s).toBe(45);
    expect(fallback.config.server?.default_stream_timeout_s).toBeUndefined();
  });

  it('is what deployments without their own timeout get', async () => {
    const gw = await createGateway({
      config: { model_list: [{ model_name: 'm', litellm_params: { model: 'fake/m' } }], litellm_settings: { request_timeout: 12 }, router_settings: { stream_timeout: 3 }, general_settings: { master_key: 'sk-translation-1234' } },
      env: { SLUICE_DATA_DIR: tempDir() },
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    try {
      expect(gw.registry.deploymentsOf('m').map((d) => [d.config.timeoutMs, d.config.streamTimeoutMs])).toEqual([[12_000, 3_000]]);
    } finally {
      await gw.close();
    }
  });
});

describe('LiteLLM names → plugins', () => {
  it('sets environment_variables into the environment', async () => {
    const env: NodeJS.ProcessEnv = {};
    await translate('environment_variables:\n  UPSTREAM_KEY: sk-1\n  RETRIES: 3\n', env);
    expect(env).toEqual({ UPSTREAM_KEY: 'sk-1', RETRIES: '3' });
  });

  it('turns callback names and boolean switches into the plugins that claim them, and reports names nothing claims', async () => {
    const t = await translate('litellm_settings:\n  callbacks: [smtp_email, helicone, made_up]\n  success_callback: 7\n  store_audit_logs: true\n');
    expect(t.implied.map((p) => [p.entry.manifest.id, p.because, p.origin])).toEqual([
      ['budget', 'callback', 'litellm_settings.callbacks: smtp_email'],
      ['audit-log', 'setting', 'litellm_settings.store_audit_logs'],
    ]);
    expect(t.warnings).toEqual([
      'litellm_settings.callbacks: "helicone" is accepted but not yet supported; it has no effect yet',
      'litellm_settings.callbacks: "made_up" is not a callback Sluice knows; it is ignored',
      'litellm_settings.success_callback[0] is not a callback name; it is ignored',
    ]);
  });

  it('gives a plugin its LiteLLM settings and environment variables under its explicit config', () => {
    const budget = catalog.find('budget')!.manifest;
    const config = parseConfigText('general_settings:\n  alerting: [email]\n  alert_types: [budget_alerts]\n').config;
    const composed = composePluginConfig(budget, { alert_types: ['spend_reports'] }, config, { SMTP_HOST: 'mail.local' });
    expect(composed).toMatchObject({ alerting: ['email'], alert_types: ['spend_reports'], smtp_host: 'mail.local' });
    expect(composePluginConfig(budget, {}, config, { SMTP_HOST: 'mail.local' }, { env: [], settings: ['general_settings.alerting'] })).toEqual({ alerting: ['email'] });
  });

  it('warns about settings read by a plugin that is not enabled, planned settings and unknown ones', async () => {
    const t = await translate('general_settings:\n  audit_log_retention: 30d\n  database_url: sqlite:x.db\nrouter_settings:\n  num_retries: 2\n  enable_pre_call_checks: true\n  wat: 1\n');
    const { selected } = resolvePlugins(t.config, catalog, '<inline>', new Map(), t.implied);
    expect(settingsWarnings(t.config, installed, selected)).toEqual([
      'general_settings.audit_log_retention has no effect: it is read by plugin audit-log, which is not enabled',
      'router_settings.enable_pre_call_checks is accepted but not yet supported (router); it has no effect yet',
      'router_settings.wat is not a setting Sluice knows; it is ignored',
    ]);
  });
});

describe('the native form', () => {
  it('is its own translation: nothing implied, nothing warned, storage as written', async () => {
    const yaml = [
      'model_list:',
      '  - model_name: m',
      '    litellm_params: { model: fake/m }',
      'plugins:',
      '  - use: audit-log',
      '    config: { store_audit_logs: true }',
      'storage:',
      '  database_url: sqlite:native.db',
      '  redis_url: redis://r:6379',
      'server:',
      '  port: 4100',
      '',
    ].join('\n');
    const t = await translate(yaml);
    expect(t.implied).toEqual([]);
    expect(t.warnings).toEqual([]);
    expect(t.config).toEqual(parseConfigText(yaml).config);
  });

  it("as the README shows it, is a config Sluice accepts as written", async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const example = /#### The native form[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const file = join(tempDir(), 'native.yaml');
    writeFileSync(file, example.replaceAll('…', 'x'));
    const report = await checkConfig(file, { OPENAI_API_KEY: 'sk-o', SLUICE_MASTER_KEY: 'sk-m' });
    expect(report.warnings).toEqual([]);
    expect(report.plugins).toEqual(expect.arrayContaining(['auth-master-key@1.0.0 (config: plugins[0])', 'audit-log@1.0.0 (config: plugins[2])']));
  });
});
