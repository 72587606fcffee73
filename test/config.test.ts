/** LiteLLM config.yaml compatibility and the config loader's errors. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText, readConfigFile } from '../kernel/config/read-config-file.js';
import { ConfigError } from '../kernel/config/config-error.js';
import { createGateway } from '../kernel/gateway.js';
import { startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

const LITELLM_CONFIG = (upstream: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: ${upstream}
      api_key: os.environ/TEST_UPSTREAM_KEY
      rpm: 100
      tpm: 10000
      timeout: 30
  - model_name: command-r
    litellm_params:
      model: cohere/command-r
      api_key: os.environ/COHERE_API_KEY
litellm_settings:
  callbacks: ["helicone", "made_up_callback"]
  request_timeout: 30
  drop_params: true
  modify_params: true
  totally_unknown_setting: 1
general_settings:
  master_key: os.environ/TEST_LITELLM_MASTER
  enforced_params: ["user"]
router_settings:
  routing_strategy: usage-based-routing
  num_retries: 2
environment_variables:
  TEST_UPSTREAM_KEY: sk-from-environment-variables
`;

describe('a LiteLLM config.yaml runs unchanged', () => {
  let upstream: MockOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    const file = join(tempDir(), 'config.yaml');
    writeFileSync(file, LITELLM_CONFIG(upstream.url));
    const { config } = readConfigFile(file);
    gw = await startGateway(config, { env: { TEST_LITELLM_MASTER: 'sk-litellm-master-42' } });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('authenticates with general_settings.master_key from os.environ and forwards the os.environ key', async () => {
    const res = await fetch(`${gw.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-litellm-master-42', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', user: 'alice', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-from-environment-variables');
  });

  it('reports every setting it does not act on, never silently', () => {
    const w = gw.gateway.warnings.join('\n');
    expect(w).toContain('litellm_settings.callbacks: "helicone" is accepted but not yet supported');
    expect(w).toContain('litellm_settings.callbacks: "made_up_callback" is not a callback Sluice knows');
    expect(w).toContain('litellm_settings.modify_params is accepted but not yet supported');
    expect(w).not.toContain('drop_params'); // read by the provider plugins
    expect(w).not.toContain('num_retries');
    expect(w).toContain('litellm_settings.totally_unknown_setting is not a setting Sluice knows');
    expect(w).not.toContain('enforced_params'); // policy-enforced-params reads it
    expect(w).not.toContain('routing_strategy'); // read by the router-litellm plugin
    expect(w).not.toContain('provider "cohere" is not yet supported'); // provider-cohere serves it
    expect(w).not.toContain('request_timeout');
    expect(w).not.toContain('master_key');
    expect(gw.logs.some((l) => l.includes('"level":40') && l.includes('modify_params'))).toBe(true);
  });

  it('applies the deployment timeout and rpm/tpm from litellm_params', () => {
    const d = gw.gateway.registry.all().find((x) => x.config.modelName === 'gpt-4o')!;
    expect(d.config).toMatchObject({ timeoutMs: 30_000, rpm: 100, tpm: 10_000, provider: 'openai', model: 'gpt-4o' });
    expect(d.config.params).not.toHaveProperty('api_key');
  });
});

describe('config loader errors', () => {
  it('names the file and line of a YAML syntax error', () => {
    expect(() => parseConfigText('model_list:\n  - model_name: x\n   bad: [', '/etc/sluice.yaml')).toThrow(/^\/etc\/sluice\.yaml: line \d+, column \d+: invalid YAML/);
  });

  it('names the path of a schema violation', () => {
    expect(() => parseConfigText('model_list:\n  - model_name: x\n', 'c.yaml')).toThrow(/c\.yaml: model_list\.0\.litellm_params: is required/);
    expect(() => parseConfigText('server:\n  port: "high"\n', 'c.yaml')).toThrow(/c\.yaml: server\.port: must be integer/);
    expect(() => parseConfigText('server:\n  prot: 1\n', 'c.yaml')).toThrow(/c\.yaml: server\.prot: is not a known setting/);
  });

  it('names a missing file', () => {
    expect(() => readConfigFile('/nonexistent/sluice.yaml')).toThrow(ConfigError);
  });

  it('merges include: files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'models.yaml'), 'model_list:\n  - model_name: b\n    litellm_params: { model: fake/b }\n');
    writeFileSync(join(dir, 'main.yaml'), 'include: [models.yaml]\nmodel_list:\n  - model_name: a\n    litellm_params: { model: fake/a }\n');
    expect(readConfigFile(join(dir, 'main.yaml')).config.model_list!.map((m) => m.model_name)).toEqual(['a', 'b']);
  });

  it('unknown plugins and wildcard models', async () => {
    await expect(createGateway({ config: { plugins: [{ use: 'no-such-plugin@^1' }] }, env: {}, logDestination: devNull() })).rejects.toThrow(
      /<inline>: plugins\[0\]\.use: no plugin named no-such-plugin is installed/,
    );
  });
});

describe('wildcard model groups', () => {
  it('routes any model under a wildcard to its provider with the matched name', async () => {
    const upstream = await startMockOpenAI();
    const gw = await startGateway({ model_list: [{ model_name: 'openai/*', litellm_params: { model: 'openai/*', api_base: upstream.url, api_key: 'sk-x' } }], general_settings: { master_key: 'sk-wild-1234' } });
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-wild-1234' },
        body: JSON.stringify({ model: 'openai/gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(upstream.requests.at(-1)!.body.model).toBe('gpt-4.1-nano');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

function devNull(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
