/**
 * A LiteLLM config means here what it means to LiteLLM (issue 14, item 2): YAML as PyYAML reads
 * it; deployments that cannot be built start and fail their calls; a Redis that is not up yet
 * does not stop startup; `credential_list`; every setting not acted on named in the warnings; a
 * guardrail type Sluice does not implement refuses only the requests that activate it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../kernel/cli/config-check.js';
import { parseConfigText } from '../../kernel/config/read-config-file.js';
import { reportSettings, settingClaims } from '../../kernel/config/litellm/settings-report.js';
import { FailoverCounters } from '../../kernel/counters/failover-counters.js';
import { RedisCounters } from '../../kernel/counters/redis-counters.js';
import { createGateway, type Gateway } from '../../kernel/gateway.js';
import { scanPlugins } from '../../kernel/plugins/plugin-catalog.js';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { backends, uniqueTag } from '../support/backends.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../support/gateway.js';
import { tcpRelay, throughRelay } from '../support/tcp-relay.js';

/** Nothing of the host's provider credentials reaches these gateways. */
const NO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_BEARER_TOKEN_BEDROCK: '',
  AZURE_API_KEY: '',
  AZURE_AD_TOKEN: '',
  AZURE_TENANT_ID: '',
  GOOGLE_APPLICATION_CREDENTIALS: '',
  OPENAI_API_KEY: '',
};

function completion(model: string) {
  return { id: 'chatcmpl-cfg-1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
}

async function chat(url: string, model: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], ...extra }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { message: string; type: string; code: string | number } } & Record<string, unknown> };
}

/** Starts a gateway from YAML text as `--config` does (the file is read, so what reading notices is in the warnings). */
async function startYaml(yaml: string, env: Record<string, string> = {}): Promise<{ gateway: Gateway; url: string; logs: string[]; file: string }> {
  const dir = tempDir('sluice-cfg-');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const gateway = await createGateway({
    configPath: file,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', SLUICE_MASTER_KEY: '', LITELLM_MASTER_KEY: '', SLUICE_DATA_DIR: dir, ...NO_CREDENTIALS, ...env },
    logDestination: destination,
    logLevel: 'debug',
  });
  const url = await gateway.listen(0, '127.0.0.1');
  return { gateway, url, logs, file };
}

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream((req, res) => sendJson(res, 200, completion(String(req.body?.model))));
});
afterAll(() => upstream.close());

describe('YAML as LiteLLM (PyYAML) reads it', () => {
  it('reads YAML 1.1 numbers and booleans as PyYAML does', () => {
    const { config } = parseConfigText(
      [
        'model_list:',
        '  - model_name: m',
        '    litellm_params:',
        '      model: openai/x',
        '      tpm: 20_000',
        '      rpm: 0x1F',
        '      max_tokens: 017',
        '      n: 1',
        '      seed: 1e3',
        '      temperature: 1.5e+0',
        '      top_p: 0.5',
        '      stream: yes',
        '      drop_params: off',
        '      api_version: 2023-07-01',
        '      y: n',
      ].join('\n'),
    );
    expect(config.model_list![0]!.litellm_params).toEqual({
      model: 'openai/x',
      tpm: 20000,
      rpm: 31,
      max_tokens: 15,
      n: 1, // `n` is no boolean to PyYAML (it is to the YAML 1.1 spec)
      seed: '1e3', // PyYAML's floats need a dot and a signed exponent
      temperature: 1.5,
      top_p: 0.5,
      stream: true,
      drop_params: false,
      api_version: '2023-07-01', // a date to PyYAML; no LiteLLM setting takes one
      y: 'n',
    });
  });

  it('keeps the last of duplicate keys, with a warning naming the path', async () => {
    const yaml = [
      'model_list:',
      '  - model_name: m',
      '    litellm_params:',
      `      model: openai/first`,
      `      model: openai/second`,
      `      api_base: ${upstream.url}`,
      '      api_key: sk-up',
      'litellm_settings:',
      '  drop_params: true',
      '  drop_params: false',
      'general_settings:',
      `  master_key: ${MASTER_KEY}`,
    ].join('\n');
    const source = parseConfigText(yaml, 'dup.yaml');
    expect(source.config.model_list![0]!.litellm_params.model).toBe('openai/second');
    expect(source.config.litellm_settings!.drop_params).toBe(false);
    expect(source.warnings).toEqual([
      "dup.yaml: model_list[0].litellm_params.model is given more than once; the last value is used (as LiteLLM's YAML reader does)",
      "dup.yaml: litellm_settings.drop_params is given more than once; the last value is used (as LiteLLM's YAML reader does)",
    ]);
    const { gateway, url } = await startYaml(yaml);
    try {
      expect(gateway.warnings).toContainEqual(expect.stringMatching(/model_list\[0\]\.litellm_params\.model is given more than once; the last value is used/));
      expect((await chat(url, 'm')).status).toBe(200);
      expect(upstream.requests.at(-1)!.body.model).toBe('second');
    } finally {
      await gateway.close();
    }
  });

  it('treats a key with no value as not set (PyYAML None), as a section whose lines are all comments', () => {
    const { config } = parseConfigText('model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/x\n      api_key:\ngeneral_settings:\n  # master_key: sk-1\n');
    expect(config.model_list![0]!.litellm_params).toEqual({ model: 'openai/x' });
    expect(config.general_settings).toBeUndefined();
  });
});

describe('deployments that cannot be built start, and every call to them fails with an OpenAI error', () => {
  const yaml = () =>
    [
      'model_list:',
      '  - model_name: good',
      '    litellm_params:',
      '      model: openai/gpt-good',
      `      api_base: ${upstream.url}`,
      '      api_key: sk-upstream-good',
      '  - model_name: made-up',
      '    litellm_params:',
      '      model: madeupprovider/some-model',
      '  - model_name: azure-no-key',
      '    litellm_params:',
      '      model: azure/my-deployment',
      '      api_base: https://example-resource.openai.azure.com',
      '  - model_name: bedrock-no-creds',
      '    litellm_params:',
      '      model: bedrock/anthropic.claude-3-haiku-20240307-v1:0',
      '  - model_name: vertex-no-creds',
      '    litellm_params:',
      '      model: vertex_ai/gemini-1.5-pro',
      '  - model_name: unset-secret',
      '    litellm_params:',
      '      model: openai/gpt-good',
      `      api_base: ${upstream.url}`,
      '      api_key: os.environ/SLUICE_TEST_UNSET_KEY',
      'general_settings:',
      `  master_key: ${MASTER_KEY}`,
    ].join('\n');
  let g: Awaited<ReturnType<typeof startYaml>>;
  beforeAll(async () => {
    g = await startYaml(yaml());
  });
  afterAll(() => g.gateway.close());

  const EXPECTED: [model: string, status: number, type: string, message: RegExp][] = [
    [
      'made-up',
      400,
      'invalid_request_error',
      /^litellm\.BadRequestError: LLM Provider NOT provided\. Pass in the LLM provider you are trying to call\. You passed model=madeupprovider\/some-model\n Pass model as E\.g\. For 'Huggingface' inference endpoints pass in `completion\(model='huggingface\/starcoder',\.\.\)` Learn more: https:\/\/docs\.litellm\.ai\/docs\/providers$/,
    ],
    ['azure-no-key', 401, 'authentication_error', /^litellm\.AuthenticationError: azureException - azure deployment azure-no-key has no credential/],
    ['bedrock-no-creds', 401, 'authentication_error', /^litellm\.AuthenticationError: bedrockException - bedrock: no AWS credentials/],
    ['vertex-no-creds', 401, 'authentication_error', /^litellm\.AuthenticationError: vertex_aiException - vertex_ai needs litellm_params\.vertex_credentials/],
    ['unset-secret', 401, 'authentication_error', /^litellm\.AuthenticationError: openaiException - os\.environ\/SLUICE_TEST_UNSET_KEY is not set/],
  ];

  for (const [model, status, type, message] of EXPECTED) {
    it(`${model}: starts, is warned about, and answers ${status}`, async () => {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(new RegExp(`^model_list\\[\\d\\] \\(${model}\\): .*every call to it answers ${status}$`)));
      const before = upstream.requests.length;
      const answer = await chat(g.url, model);
      expect(answer.status).toBe(status);
      expect(answer.body.error!.message).toMatch(message);
      expect(answer.body.error!.type).toBe(type);
      expect(answer.body.error!.code).toBe(String(status)); // LiteLLM sends the code as a string
      expect(upstream.requests.length).toBe(before); // nothing was sent anywhere
    });
  }

  it('the rest of the config works', async () => {
    expect((await chat(g.url, 'good')).status).toBe(200);
  });

  it('`sluice config check` lists each of them', async () => {
    const report = await checkConfig(g.file, { PATH: process.env.PATH, SLUICE_DATA_DIR: tempDir(), ...NO_CREDENTIALS });
    for (const [model, status] of EXPECTED) {
      expect(report.warnings).toContainEqual(expect.stringMatching(new RegExp(`^model_list\\[\\d\\] \\(${model}\\): .*every call to it answers ${status}$`)));
    }
    expect(report.warnings.filter((w) => w.includes('(good)'))).toEqual([]);
  });

  it('a secret manager that cannot be reached leaves the reference unset instead of stopping startup', async () => {
    const { resolveEnvRefs } = await import('../../kernel/config/env-refs.js');
    const out = await resolveEnvRefs({ api_key: 'os.environ/VAULT_KEY' }, async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:8200');
    });
    expect(out.value).toEqual({});
    expect(out.missing).toEqual(['VAULT_KEY']);
    expect(out.unreadable).toEqual(['VAULT_KEY: connect ECONNREFUSED 127.0.0.1:8200']);
  });
});

describe('credential_list', () => {
  it('fills the deployments that name a credential, explicit params winning, and never logs the secret', async () => {
    const secret = 'sk-credential-secret-7f3a9c';
    const yaml = [
      'model_list:',
      '  - model_name: from-credential',
      '    litellm_params:',
      '      model: openai/gpt-cred',
      '      litellm_credential_name: shared_openai',
      '  - model_name: explicit-key',
      '    litellm_params:',
      '      model: openai/gpt-cred',
      '      api_key: sk-explicit-key-b',
      '      litellm_credential_name: shared_openai',
      '  - model_name: unknown-credential',
      '    litellm_params:',
      '      model: openai/gpt-cred',
      `      api_base: ${upstream.url}`,
      '      api_key: sk-own-key-c',
      '      litellm_credential_name: nowhere',
      'credential_list:',
      '  - credential_name: shared_openai',
      '    credential_values:',
      '      api_key: os.environ/SLUICE_TEST_CRED_KEY',
      `      api_base: ${upstream.url}`,
      '    credential_info:',
      '      description: "shared OpenAI key"',
      'general_settings:',
      `  master_key: ${MASTER_KEY}`,
    ].join('\n');
    const { gateway, url, logs } = await startYaml(yaml, { SLUICE_TEST_CRED_KEY: secret });
    try {
      expect((await chat(url, 'from-credential')).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
      expect((await chat(url, 'explicit-key')).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-explicit-key-b');
      expect((await chat(url, 'unknown-credential')).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-own-key-c');
      expect(gateway.warnings).toContainEqual('model_list[2] (unknown-credential): litellm_credential_name "nowhere" is not in credential_list; the deployment gets no credential from it');
      expect(gateway.warnings.filter((w) => w.startsWith('credential_list'))).toEqual([]);
      const models = (await (await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text());
      expect(models).not.toContain(secret);
    } finally {
      await gateway.close();
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(secret);
  });
});

describe('settings Sluice does not act on are named, at any depth', () => {
  let g: TestGateway;
  const config: SluiceConfig = {
    model_list: [
      { model_name: 'm', litellm_params: { model: 'openai/m', api_base: 'http://127.0.0.1:9', api_key: 'sk-x' }, model_info: { access_groups: ['beta-models'] } },
    ],
    general_settings: { master_key: MASTER_KEY, alerting: ['slack'], made_up_general: 1 },
    router_settings: { made_up_router: { nested: true } },
    litellm_settings: { made_up_litellm: 1 },
    ...({ finetune_settings: [{ custom_llm_provider: 'openai' }], files_settings: [{ custom_llm_provider: 'openai' }], search_tools: [] } as object),
  };
  beforeAll(async () => {
    g = await startGateway(config);
  });
  afterAll(() => g.close());

  it('names them at startup and in `config check`', async () => {
    const file = join(tempDir(), 'settings.yaml');
    writeFileSync(file, JSON.stringify(config)); // JSON is YAML
    const report = await checkConfig(file, { PATH: process.env.PATH, SLUICE_DATA_DIR: tempDir() });
    const expected = [
      'finetune_settings is not acted on by Sluice (the /fine_tuning/jobs endpoints are not implemented); it is ignored',
      'files_settings is not acted on by Sluice (the /files endpoints are not implemented); it is ignored',
      'search_tools is not acted on by Sluice; it is ignored',
      'general_settings.made_up_general is not a setting Sluice knows; it is ignored',
      'router_settings.made_up_router is not a setting Sluice knows; it is ignored',
      'litellm_settings.made_up_litellm is not a setting Sluice knows; it is ignored',
      // alerting-slack sends Slack alerts now; without a webhook URL they have nowhere to go.
      'general_settings.alerting: "slack" needs SLACK_WEBHOOK_URL (or alert_to_webhook_url); Slack alerts have nowhere to go',
    ];
    for (const w of expected) {
      expect(g.gateway.warnings).toContain(w);
      expect(report.warnings).toContain(w);
    }
  });

  it('model_info.access_groups is named unless an enabled plugin declares it acts on it', () => {
    const enabled = new Set(g.gateway.plugins.map((p) => p.id));
    const actedOn = scanPlugins().latest().some((e) => enabled.has(e.manifest.id) && e.manifest.litellm?.actsOn?.includes('model_info.access_groups'));
    const warning = 'model_list[0] (m).model_info.access_groups has no effect (access groups are not implemented)';
    if (actedOn) expect(g.gateway.warnings).not.toContain(warning);
    else expect(g.gateway.warnings).toContain(warning);
  });

  it('keys inside a setting a plugin reads, that its config schema lacks, are named at any depth', () => {
    const manifest = { id: 'p', version: '1.0.0', apiVersion: '^2', litellm: { settings: { opts: 'litellm_settings.opts' } } };
    const schema = { type: 'object', properties: { opts: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'number' } }, additionalProperties: false }, list: { type: 'array', items: { type: 'object', properties: { c: { type: 'number' } } } } } } } };
    const claims = settingClaims([manifest as never], new Set(['p']), new Map([['p', schema]]));
    const warnings = reportSettings({ litellm_settings: { opts: { a: { b: 1, z: 2 }, list: [{ c: 1, d: 2 }], extra: true } } }, claims);
    expect(warnings).toEqual([
      'litellm_settings.opts.a.z is not a setting p reads; it is ignored',
      'litellm_settings.opts.list[0].d is not a setting p reads; it is ignored',
      'litellm_settings.opts.extra is not a setting p reads; it is ignored',
    ]);
    // Declared as acted on: no warning.
    const acting = settingClaims([{ ...manifest, litellm: { actsOn: ['model_info.access_groups'] } } as never], new Set(['p']));
    expect(reportSettings({ model_list: [{ model_name: 'm', litellm_params: { model: 'x/y' }, model_info: { access_groups: ['g'] } }] }, acting)).toEqual([]);
  });
});

describe('guardrail types Sluice does not implement', () => {
  const guardrails = (defaultOn: boolean) => [
    { guardrail_name: 'aporia-pre-guard', litellm_params: { guardrail: 'aporia', mode: 'pre_call', default_on: defaultOn, api_key: 'os.environ/APORIA_API_KEY_1' } },
    { guardrail_name: 'custom-post-guard', litellm_params: { guardrail: 'custom_guardrail.myCustomGuardrail', mode: 'post_call' } },
    { guardrail_name: 'secrets', litellm_params: { guardrail: 'hide-secrets', mode: 'pre_call' } },
  ];
  const model_list = () => [{ model_name: 'good', litellm_params: { model: 'openai/gpt-good', api_base: upstream.url, api_key: 'sk-up' } }];

  it('are warned about; the rest works; a request that activates one gets a 500 naming it, before any provider call', async () => {
    const g = await startGateway({ model_list: model_list(), guardrails: guardrails(false) as never, general_settings: { master_key: MASTER_KEY } });
    try {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/^guardrails\[0\]\.litellm_params\.guardrail: guardrail "aporia-pre-guard" "aporia" is a LiteLLM guardrail Sluice does not implement .*a request that activates it gets a 500$/));
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/^guardrails\[1\]\.litellm_params\.guardrail: guardrail "custom-post-guard" "custom_guardrail\.myCustomGuardrail" is a custom guardrail \(a Python class\) Sluice cannot load/));
      expect((await chat(g.url, 'good')).status).toBe(200);
      expect((await chat(g.url, 'good', { guardrails: ['secrets'] })).status).toBe(200);

      const before = upstream.requests.length;
      const refused = await chat(g.url, 'good', { guardrails: ['aporia-pre-guard'] });
      expect(refused.status).toBe(500);
      expect(refused.body.error!.message).toBe('Guardrail aporia-pre-guard of type aporia is not available in this gateway');
      const custom = await chat(g.url, 'good', { metadata: { guardrails: ['custom-post-guard'] } });
      expect(custom.status).toBe(500);
      expect(custom.body.error!.message).toBe('Guardrail custom-post-guard of type custom_guardrail.myCustomGuardrail is not available in this gateway');
      expect(upstream.requests.length).toBe(before);
    } finally {
      await g.close();
    }
  });

  it('default_on: every request is refused with the 500', async () => {
    const g = await startGateway({ model_list: model_list(), guardrails: guardrails(true) as never, general_settings: { master_key: MASTER_KEY } });
    try {
      const refused = await chat(g.url, 'good');
      expect(refused.status).toBe(500);
      expect(refused.body.error!.message).toBe('Guardrail aporia-pre-guard of type aporia is not available in this gateway');
    } finally {
      await g.close();
    }
  });
});

describe.skipIf(!backends.redis)(`Redis not reachable at start (${backends.skipReason.redis ?? backends.redis})`, () => {
  const config = (redisUrl: string): SluiceConfig => ({
    model_list: [{ model_name: 'good', litellm_params: { model: 'openai/gpt-good', api_base: upstream.url, api_key: 'sk-up' } }],
    general_settings: { master_key: MASTER_KEY },
    storage: { redis_url: redisUrl },
  });

  it('starts on in-process counters with a warning when nothing listens', async () => {
    const g = await startGateway(config('redis://:hunter2@127.0.0.1:1'));
    try {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/^Cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*kept per instance until it answers; reconnecting in the background$/));
      expect(g.gateway.warnings.join('\n')).not.toContain('hunter2');
      expect((g.gateway.counters as FailoverCounters).degraded).toBe(true);
      expect((await fetch(`${g.url}/health/liveliness`)).status).toBe(200);
      expect((await chat(g.url, 'good')).status).toBe(200);
      expect(await g.gateway.counters.incrBy('cfg-test-local', 2)).toBe(2);
    } finally {
      await g.close();
    }
  });

  it('moves to Redis when it comes up', async () => {
    const target = new URL(backends.redis!);
    const relay = await tcpRelay(target.hostname, Number(target.port || 6379));
    relay.cut(); // connections are refused until restore()
    const key = `cfg-test:${uniqueTag()}`;
    const g = await startGateway(config(throughRelay(backends.redis!, relay)));
    const direct = new RedisCounters({ url: backends.redis! });
    try {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/^Cannot connect to Redis at /));
      const counters = g.gateway.counters as FailoverCounters;
      expect(counters.degraded).toBe(true);
      relay.restore();
      await expect.poll(() => counters.degraded, { timeout: 10_000, interval: 100 }).toBe(false);
      await counters.incrBy(key, 5, 60_000);
      expect(await direct.get(key)).toBe(5); // the gateway's counters are Redis's now (default prefix sluice:)
      expect((await chat(g.url, 'good')).status).toBe(200);
      expect(g.logs.some((l) => l.includes('Redis is reachable now; counters are shared across instances'))).toBe(true);
    } finally {
      await g.close();
      await direct.del(key);
      await direct.close();
      await relay.close();
    }
  });
});
