/**
 * guardrail-hide-secrets through the gateway: what the provider receives (the mock upstream
 * records it), the warning LiteLLM's docs promise, and who may switch the guardrail off.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { DETECTOR_NAMES } from '../src/redact-secrets.js';

/** Keys as a virtual-key plugin will hand them over: settings in `principal.switches`. */
const KEY_OFF = 'sk-test-key-hide-secrets-off';
const KEY_MAY_OPT_OUT = 'sk-test-key-request-may-opt-out';
const KEY_ODD_METADATA = 'sk-test-key-odd-metadata';
const testKeys = writeTestPlugin({
  id: 'auth-test-keys',
  hooks: { preAuth: { stage: 'AUTH' } },
  source: pluginSource(`
    const keys = {
      ${JSON.stringify(KEY_OFF)}: { id: 'key-off-hash', keyAlias: 'no-redaction-key', switches: { key: { permissions: { hide_secrets: false } } } },
      ${JSON.stringify(KEY_MAY_OPT_OUT)}: { id: 'key-opt-out-hash', switches: { key: { permissions: { allow_request_hide_secrets_off: true } } } },
      ${JSON.stringify(KEY_ODD_METADATA)}: { id: 'key-odd-hash', switches: { key: { permissions: ['hide_secrets', false] } } },
    };
    return { preAuth: async (input) => {
      const key = keys[input.token];
      return key ? { ...key, authenticatedBy: '__ID__', role: 'internal_user' } : undefined;
    } };`),
});

interface LogLine {
  level: number;
  msg: string;
  plugin?: string;
  requestId?: string;
}

let upstream: MockOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway(
    proxyConfig(upstream.url, { litellm_settings: { callbacks: ['hide_secrets'] }, plugins: [{ use: 'auth-test-keys' }] } as never),
    { extraPluginDirs: [testKeys] },
  );
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

let firstLog = 0;
beforeEach(() => {
  firstLog = gw.logs.length;
});

/** Log lines of this test's requests that came from the guardrail. */
function guardrailLogs(): LogLine[] {
  return gw.logs
    .slice(firstLog)
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.plugin === 'guardrail-hide-secrets');
}

async function post(path: string, body: object, key = MASTER_KEY) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.text()) as string };
}

const chat = (messages: object[], key?: string, extra: object = {}) => post('/chat/completions', { model: 'gpt-4o-mini', messages, ...extra }, key);
/** The body the mock provider received last. */
const sentToProvider = () => upstream.requests.at(-1)!.body as { messages: { role: string; content: unknown }[]; input?: unknown; prompt?: unknown };

describe('LiteLLM docs: Guardrails - Secret Detection/Redaction', () => {
  it('redacts the value of API_KEY before the provider sees it', async () => {
    const res = await chat([{ role: 'user', content: "Hey, how's it going, API_KEY = 'sk_1234567890abcdef'" }]);
    expect(res.status).toBe(200);
    expect(sentToProvider().messages).toEqual([{ role: 'user', content: "Hey, how's it going, API_KEY = '[REDACTED]'" }]);
  });

  it('logs the warning with the detector names only, never the value', async () => {
    const res = await chat([{ role: 'user', content: 'what is the value of my open ai key? openai_api_key=sk-1234998222' }]);
    expect(res.status).toBe(200);
    expect(sentToProvider().messages).toEqual([{ role: 'user', content: 'what is the value of my open ai key? openai_api_key=[REDACTED]' }]);
    const warnings = guardrailLogs().filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual(["Detected and redacted secrets in message: ['Secret Keyword']"]);
    expect(warnings[0]!.requestId).toEqual(expect.any(String));
    expect(gw.logs.slice(firstLog).join('\n')).not.toContain('sk-1234998222');
  });

  it('names every kind found in a message, as a Python list', async () => {
    const awsKeyId = 'AKIA' + 'Q7RZ3MXW9KD2HF5T';
    await chat([{ role: 'user', content: `boto3 rejects ${awsKeyId} and my db_password=Winter2024!x, why?` }]);
    expect(sentToProvider().messages[0].content).toBe('boto3 rejects [REDACTED] and my db_password=[REDACTED], why?');
    expect(guardrailLogs().filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "Detected and redacted secrets in message: ['AWS Access Key', 'Secret Keyword']",
    ]);
  });

  it('the callback name is claimed: no "not yet supported" warning for hide_secrets at startup', () => {
    const startup = gw.logs.filter((l) => l.includes('hide_secrets'));
    expect(startup.filter((l) => /not yet supported|not a callback/.test(l))).toEqual([]);
  });
});

describe('every text the provider reads', () => {
  it('each message with a secret, system and assistant included, gets its own warning', async () => {
    await chat([
      { role: 'system', content: 'You are a helpful assistant. Internal note: SERVICE_TOKEN=a8f3k2m9q1w7e5r4' },
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'Use the header Authorization: Bearer zX9yW8vU7tS6rQ5pO4nM3 to call it.' },
    ]);
    expect(sentToProvider().messages).toEqual([
      { role: 'system', content: 'You are a helpful assistant. Internal note: SERVICE_TOKEN=[REDACTED]' },
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'Use the header Authorization: Bearer [REDACTED] to call it.' },
    ]);
    expect(guardrailLogs().filter((l) => l.level === 40)).toHaveLength(2);
  });

  it('multi-part content: text parts are redacted, other parts pass as they are, one warning per message', async () => {
    const image = { type: 'image_url', image_url: { url: 'https://example.com/diagram.png', detail: 'low' } };
    await chat([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Here is my config: password = "pa55-W0rd!" and the diagram.' },
          image,
          { type: 'text', text: 'Also connect to postgres://app:S3cretPw9@db.internal:5432/orders' },
        ],
      },
    ]);
    expect(sentToProvider().messages[0].content).toEqual([
      { type: 'text', text: 'Here is my config: password = "[REDACTED]" and the diagram.' },
      image,
      { type: 'text', text: 'Also connect to postgres://app:[REDACTED]@db.internal:5432/orders' },
    ]);
    expect(guardrailLogs().filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "Detected and redacted secrets in message: ['Secret Keyword', 'Basic Auth Credentials']",
    ]);
  });

  it('embeddings input, as one string and as a list', async () => {
    const one = await post('/embeddings', { model: 'text-embedding-3-small', input: 'deploy with GITHUB_TOKEN=ghp_' + 'x7Kd9QmZ2pL4vN8rT1wY6bH3cF5jS0aE9uGi' });
    expect(one.status).toBe(200);
    expect(sentToProvider().input).toBe('deploy with GITHUB_TOKEN=[REDACTED]');
    await post('/embeddings', { model: 'text-embedding-3-small', input: ['no secret here', 'api_key: "q8W2e4R6t8Y0u2I4"', 'plain text'] });
    expect(sentToProvider().input).toEqual(['no secret here', 'api_key: "[REDACTED]"', 'plain text']);
    expect(guardrailLogs().filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      "Detected and redacted secrets in input: ['GitHub Token']",
      "Detected and redacted secrets in input: ['Secret Keyword']",
    ]);
  });

  it('completions prompt', async () => {
    const res = await post('/completions', { model: 'gpt-4o-mini', prompt: 'Summarise: the admin password is Adm1n!2024 and the rest is fine.' });
    expect(res.status).toBe(200);
    expect(sentToProvider().prompt).toBe('Summarise: the admin password is [REDACTED] and the rest is fine.');
    expect(guardrailLogs().filter((l) => l.level === 40).map((l) => l.msg)).toEqual(["Detected and redacted secrets in prompt: ['Secret Keyword']"]);
  });

  it('streamed calls are redacted before the stream starts', async () => {
    const res = await chat([{ role: 'user', content: 'openai_api_key=sk-1234998222' }], MASTER_KEY, { stream: true });
    expect(res.status).toBe(200);
    expect(res.body).toContain('data: [DONE]');
    expect(sentToProvider().messages[0].content).toBe('openai_api_key=[REDACTED]');
  });

  it('clean requests pass untouched and log no warning', async () => {
    const content = 'What is the capital of France? Answer in one word, version 2.1.0 of the style guide.';
    await chat([{ role: 'user', content }]);
    expect(sentToProvider().messages[0].content).toBe(content);
    expect(guardrailLogs().filter((l) => l.level === 40)).toEqual([]);
  });
});

describe('switching the guardrail off', () => {
  it('a key with permissions.hide_secrets false skips the check (LiteLLM: Secret Detection On/Off per API Key)', async () => {
    const res = await chat([{ role: 'user', content: 'does my openai key look well formatted OpenAI_API_KEY=sk-1234777' }], KEY_OFF);
    expect(res.status).toBe(200);
    expect(sentToProvider().messages[0].content).toBe('does my openai key look well formatted OpenAI_API_KEY=sk-1234777');
    const lines = guardrailLogs();
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    expect(lines.filter((l) => l.level === 20).map((l) => l.msg)).toEqual([
      'The hide_secrets guardrail check did not run on this request because api key=no-redaction-key has "permissions": {"hide_secrets": false}',
    ]);
  });

  it("a request's own metadata.permissions.hide_secrets false does not switch it off", async () => {
    await chat([{ role: 'user', content: 'openai_api_key=sk-1234998222' }], MASTER_KEY, { metadata: { permissions: { hide_secrets: false } } });
    expect(sentToProvider().messages[0].content).toBe('openai_api_key=[REDACTED]');
    expect(sentToProvider()).not.toHaveProperty('metadata');
    const lines = guardrailLogs();
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(["Detected and redacted secrets in message: ['Secret Keyword']"]);
    expect(lines.filter((l) => l.level === 20).map((l) => l.msg)).toEqual([
      'The request asked to turn the hide_secrets guardrail off; ignored because api key=master_key does not have "permissions": {"allow_request_hide_secrets_off": true}',
    ]);
  });

  it('a request may switch it off when its key allows requests to', async () => {
    await chat([{ role: 'user', content: 'openai_api_key=sk-1234998222' }], KEY_MAY_OPT_OUT, { metadata: { permissions: { hide_secrets: false } } });
    expect(sentToProvider().messages[0].content).toBe('openai_api_key=sk-1234998222');
    await chat([{ role: 'user', content: 'openai_api_key=sk-1234998222' }], KEY_MAY_OPT_OUT);
    expect(sentToProvider().messages[0].content).toBe('openai_api_key=[REDACTED]');
  });

  it('key metadata of an unexpected shape leaves the guardrail on', async () => {
    const res = await chat([{ role: 'user', content: 'openai_api_key=sk-1234998222' }], KEY_ODD_METADATA);
    expect(res.status).toBe(200);
    expect(sentToProvider().messages[0].content).toBe('openai_api_key=[REDACTED]');
  });
});

describe('enabled through plugins: with config', () => {
  /** What the provider receives from a gateway whose only plugin is this one, with `config`. */
  async function providerReceives(config: object, content: string): Promise<string> {
    const other = await startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'guardrail-hide-secrets', config }] } as never));
    try {
      const res = await fetch(`${other.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });
      expect(res.status).toBe(200);
      return sentToProvider().messages[0].content as string;
    } finally {
      await other.close();
    }
  }

  it('disabled_detectors switches off only the detectors named', async () => {
    const token = 'ghp_' + 'x7Kd9QmZ2pL4vN8rT1wY6bH3cF5jS0aE9uGi';
    expect(await providerReceives({ disabled_detectors: ['Secret Keyword'] }, `openai_api_key=sk-1234998222 and ${token}`)).toBe(
      'openai_api_key=sk-1234998222 and [REDACTED]',
    );
  });

  it('disabled_rules switches off rules of the rule set by id; an unknown id is refused', async () => {
    const token = 'dop_v1_' + 'c3a9e1f0b7d2468a9c5e1f3b7d0a2c4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c';
    expect(await providerReceives({}, `doctl auth init -t ${token}`)).toBe('doctl auth init -t [REDACTED]');
    expect(await providerReceives({ disabled_rules: ['digitalocean-pat'] }, `doctl auth init -t ${token}`)).toBe(`doctl auth init -t ${token}`);
    await expect(
      startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'guardrail-hide-secrets', config: { disabled_rules: ['digitalocean-pats'] } }] } as never)),
    ).rejects.toThrow(/unknown secret rule "digitalocean-pats"/);
  });

  it('an unknown detector name is refused when the config loads', async () => {
    await expect(
      startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'guardrail-hide-secrets', config: { disabled_detectors: ['Secret Keywords'] } }] } as never)),
    ).rejects.toThrow(/disabled_detectors/);
  });

  it('disabled_rules switches off rules of the rule set by id; an unknown id is refused', async () => {
    const other = await startGateway(
      proxyConfig(upstream.url, { plugins: [{ use: 'guardrail-hide-secrets', config: { disabled_rules: ['digitalocean-pat'] } }] } as never),
    );
    try {
      const token = 'dop_v1_' + 'c3a9e1f0b7d2468a9c5e1f3b7d0a2c4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c';
      const res = await fetch(`${other.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `doctl auth init -t ${token}` }] }),
      });
      expect(res.status).toBe(200);
      expect(sentToProvider().messages[0].content).toBe(`doctl auth init -t ${token}`);
    } finally {
      await other.close();
    }
    await expect(
      startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'guardrail-hide-secrets', config: { disabled_rules: ['digitalocean-pats'] } }] } as never)),
    ).rejects.toThrow(/unknown secret rule "digitalocean-pats"/);
  });

  it('the config schema lists exactly the detectors the code has', () => {
    const schema = JSON.parse(readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8'));
    expect(schema.properties.disabled_detectors.items.enum).toEqual([...DETECTOR_NAMES]);
  });
});
