/**
 * Secrets never reach the logs: the master key, a deployment's api_key and a key resolved from
 * `os.environ/`, whether they arrive in a request header, in an upstream's error body, in an object
 * a plugin logs, or inside an error message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

const UPSTREAM_KEY = 'sk-upstream-secret-9876';
const ENV_KEY_NAME = 'SLUICE_TEST_REDACTION_UPSTREAM_KEY';
const ENV_KEY = 'sk-env-resolved-4242-abcd';
const SECRETS = { master: MASTER_KEY, upstream: UPSTREAM_KEY, fromEnv: ENV_KEY };

describe('secrets in logs', () => {
  let mock: MockOpenAI;
  let gw: TestGateway;

  beforeAll(async () => {
    mock = await startMockOpenAI();
    const base = proxyConfig(mock.url);
    gw = await startGateway(
      {
        ...base,
        model_list: [
          ...base.model_list!,
          { model_name: 'gpt-env', litellm_params: { model: 'openai/gpt-env', api_base: mock.url, api_key: `os.environ/${ENV_KEY_NAME}` } },
        ],
        logging: { requests: true },
      },
      { env: { [ENV_KEY_NAME]: ENV_KEY } },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await mock?.close();
  });

  let firstLine = 0;
  beforeEach(() => {
    mock.behaviour = {};
    firstLine = gw.logs.length;
  });

  /** Every line this test logged, checked for each secret (named, so a failure says which leaked). */
  function expectNoSecretsLogged(): void {
    const all = gw.logs.slice(firstLine).join('\n');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect({ secret: name, leaked: all.includes(value) }).toEqual({ secret: name, leaked: false });
    }
  }

  function lineWith(msg: string): Record<string, unknown> {
    const line = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
    expect(line, `a log line with msg ${JSON.stringify(msg)}`).toBeDefined();
    return line!;
  }

  const chat = (model: string, authorization = `Bearer ${MASTER_KEY}`) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });

  it('writes JSON lines', async () => {
    expect((await chat('gpt-4o-mini')).status).toBe(200);
    expect(gw.logs.length).toBeGreaterThan(0);
    for (const line of gw.logs) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number) }));
    }
  });

  it('keeps the master key out when a request carries it, with request logging on', async () => {
    const before = gw.logs.length;
    const res = await chat('gpt-4o-mini');
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    // logging.requests is on: the call was logged, the credential that made it was not.
    expect(gw.logs.slice(before).some((l) => (JSON.parse(l) as { requestId?: string }).requestId === requestId)).toBe(true);
    expect(mock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expectNoSecretsLogged();
  });

  it('keeps the deployment keys out when an upstream answers 500 echoing the Authorization header', async () => {
    for (const [model, key] of [
      ['gpt-4o-mini', UPSTREAM_KEY],
      ['gpt-env', ENV_KEY],
    ] as const) {
      const echoed = `Bearer ${key}`;
      mock.behaviour.fail = { status: 500, body: { error: { message: `internal error; request had Authorization: ${echoed}`, type: 'server_error' } } };
      const res = await chat(model);
      expect(res.status).toBeGreaterThanOrEqual(500);
      // The mock really was sent the header it echoes.
      expect(mock.requests.at(-1)!.headers.authorization).toBe(echoed);
    }
    expectNoSecretsLogged();
  });

  it('does not hand a deployment key an upstream echoed back to the client either', async () => {
    // Whoever holds a gateway key must not learn the provider key behind it from an error message.
    mock.behaviour.fail = { status: 500, body: { error: { message: `internal error; request had Authorization: Bearer ${UPSTREAM_KEY}` } } };
    const res = await chat('gpt-4o-mini');
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(body).toContain('internal error');
    expect(body).not.toContain(UPSTREAM_KEY);
  });

  it('redacts credential fields of objects a plugin logs', () => {
    gw.gateway.log.info(
      { headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, api_key: UPSTREAM_KEY },
      'plugin saw a request',
    );
    gw.gateway.log.child({ plugin: 'some-plugin' }).warn(
      { request: { headers: { authorization: `Bearer ${ENV_KEY}` } }, deployment: { api_key: ENV_KEY } },
      'plugin saw a nested request',
    );
    const line = lineWith('plugin saw a request');
    expect(line.headers).toEqual({ authorization: '[REDACTED]', 'content-type': 'application/json' });
    expect(line.api_key).toBe('[REDACTED]');
    lineWith('plugin saw a nested request');
    expectNoSecretsLogged();
  });

  it('scrubs a deployment key or an os.environ/ key from error messages and stacks', () => {
    gw.gateway.log.error(new Error(`failed with key ${UPSTREAM_KEY}`));
    gw.gateway.log.error({ err: new Error(`upstream rejected ${ENV_KEY}`) }, 'call failed');
    const line = lineWith(`failed with key [REDACTED]`);
    expect(String((line.err as { stack?: string }).stack)).toContain('failed with key [REDACTED]');
    expect(JSON.stringify(lineWith('call failed'))).toContain('upstream rejected [REDACTED]');
    expectNoSecretsLogged();
  });

  it('scrubs the master key from free text a plugin logs', () => {
    // A plugin that logs what it was given, not in a field pino knows to redact.
    gw.gateway.log.warn(`token ${MASTER_KEY} does not match any virtual key`);
    gw.gateway.log.info({ presented: `Bearer ${MASTER_KEY}` }, 'auth attempt');
    expect(gw.logs.some((l) => l.includes('does not match any virtual key'))).toBe(true);
    expectNoSecretsLogged();
  });
});

describe('a generated master key in logs', () => {
  it('is scrubbed like a configured one', async () => {
    const gw = await startGateway({ model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }] });
    try {
      const key = readFileSync(join(gw.gateway.dataDir, 'plugins', 'auth-master-key', 'master.key'), 'utf8').trim();
      expect(key).toMatch(/^sk-/);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hello' }] }),
      });
      expect(res.status).toBe(200);
      gw.gateway.log.warn(`token ${key} does not match any virtual key`);
      expect(gw.logs.some((l) => l.includes('does not match any virtual key'))).toBe(true);
      expect(gw.logs.filter((l) => l.includes(key))).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});

