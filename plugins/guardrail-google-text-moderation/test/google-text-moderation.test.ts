/**
 * guardrail-google-text-moderation through a real gateway against a local Google (token endpoint
 * and moderateText): the spec's default, global and per-category thresholds, what Google
 * receives and how Sluice authenticates, and the failure policy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { startFakeGoogle, type FakeGoogle } from './fake-google.js';

let upstream: MockOpenAI;
let google: FakeGoogle;
let credentialsFile: string;

const violation = (category: string) => ({ error: { message: `Violated content safety policy. Category=${category}`, type: 'bad_request_error', param: 'None', code: '400' } });
const FAIL_CLOSED = {
  error: { message: 'Plugin guardrail-google-text-moderation failed in preCall; the request was refused (fail-closed).', type: 'internal_server_error', param: null, code: '500' },
};

function config(litellmSettings: Record<string, unknown>, extra: Partial<SluiceConfig> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'gpt-3.5-turbo-instruct', litellm_params: { model: 'text-completion-openai/gpt-3.5-turbo-instruct', api_base: upstream.url, api_key: 'sk-upstream' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { callbacks: ['google_text_moderation'], ...litellmSettings },
    ...extra,
  } as SluiceConfig;
}

const env = () => ({ GOOGLE_APPLICATION_CREDENTIALS: credentialsFile, GOOGLE_TEXT_MODERATION_API_BASE: google.url });
const start = (litellmSettings: Record<string, unknown> = {}, extra: Partial<SluiceConfig> = {}, environment: Record<string, string> = env()) =>
  startGateway(config(litellmSettings, extra), { env: environment });

async function say(gw: TestGateway, ...contents: string[]) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: contents.map((content) => ({ role: 'user', content })) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  upstream = await startMockOpenAI();
  google = await startFakeGoogle();
  credentialsFile = join(tempDir(), 'service-account.json');
  writeFileSync(credentialsFile, JSON.stringify(google.serviceAccount));
});
afterAll(async () => {
  await upstream?.close();
  await google?.close();
});
beforeEach(() => {
  google.moderated.length = 0;
  google.failure = undefined;
  google.extraCategories = [];
});
afterEach(() => {
  expect(google.rejected).toEqual([]);
});

describe('spec: default confidence threshold (0.8)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await start();
  });
  afterAll(() => gw?.close());

  it('a category above 0.8 refuses the request with 400, naming it; the provider is not called', async () => {
    const before = upstream.requests.length;
    const r = await say(gw, 'you are terrible [Toxic=0.81]');
    expect(r.status).toBe(400);
    expect(r.json).toEqual(violation('name: "Toxic" confidence: 0.81'));
    expect(r.headers.get('x-sluice-error-code')).toBe('GOOGLE_TEXT_MODERATION_VIOLATION');
    expect(r.headers.get('x-sluice-plugin')).toBe('guardrail-google-text-moderation');
    expect(upstream.requests.length).toBe(before);
  });

  it('at or below 0.8 the request goes through (the threshold must be exceeded)', async () => {
    expect((await say(gw, 'hmm [Toxic=0.8] [Insult=0.79]')).status).toBe(200);
  });

  it('sends every message as one PLAIN_TEXT document, one message per line, with a service-account token', async () => {
    await say(gw, 'first message', 'second message');
    expect(google.moderated.at(-1)!.content).toBe('first message\nsecond message');
    expect(google.moderated.at(-1)!.headers.authorization).toMatch(/^Bearer ya29\.test-token-\d+$/);
  });

  it('reuses the access token across calls (one exchange, not one per call)', async () => {
    await say(gw, 'one');
    await say(gw, 'two');
    await say(gw, 'three');
    expect(google.exchanges).toBe(1); // this gateway is the file's first

  });

  it('checks the completions prompt', async () => {
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-3.5-turbo-instruct', prompt: 'buy these [Illicit Drugs=0.95]' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(violation('name: "Illicit Drugs" confidence: 0.95'));
  });

  it('a category Google adds later is held to the global threshold', async () => {
    google.extraCategories = [{ name: 'Weapons Of Mass Destruction', confidence: 0.9 }];
    expect((await say(gw, 'hello')).status).toBe(400);
    google.extraCategories = [{ name: 'Weapons Of Mass Destruction', confidence: 0.5 }];
    expect((await say(gw, 'hello')).status).toBe(200);
  });

  it('claims google_text_moderation: no warning about it', () => {
    expect(gw.gateway.warnings.join('\n')).not.toMatch(/google|moderation/);
  });
});

describe('spec: global default confidence threshold (google_moderation_confidence_threshold: 0.4)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await start({ google_moderation_confidence_threshold: 0.4 });
  });
  afterAll(() => gw?.close());

  it('applies to every category', async () => {
    expect((await say(gw, '[Politics=0.41]')).json).toEqual(violation('name: "Politics" confidence: 0.41'));
    expect((await say(gw, '[Finance=0.5]')).status).toBe(400);
    expect((await say(gw, '[Politics=0.4] [Finance=0.39]')).status).toBe(200);
  });
});

describe('spec: category-specific confidence thresholds', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await start({
      google_moderation_confidence_threshold: 0.4,
      toxic_confidence_threshold: 0.1,
      death_harm_and_tragedy_threshold: 0.2,
      firearms_and_weapons_threshold: 0.9,
      // LiteLLM's code name for the same setting; the spec's name wins when both are set.
      firearms_and_weapons_confidence_threshold: 0.05,
      religion_and_belief_confidence_threshold: 0.95,
    });
  });
  afterAll(() => gw?.close());

  it('a category with its own threshold uses it; the others keep the global one', async () => {
    expect((await say(gw, 'meh [Toxic=0.15]')).json).toEqual(violation('name: "Toxic" confidence: 0.15'));
    expect((await say(gw, 'meh [Insult=0.15]')).status).toBe(200); // global 0.4
    expect((await say(gw, 'meh [Insult=0.45]')).status).toBe(400);
  });

  it('matches Google display names to the settings ("Death, Harm & Tragedy" → death_harm_and_tragedy_threshold)', async () => {
    expect((await say(gw, '[Death, Harm & Tragedy=0.25]')).json).toEqual(violation('name: "Death, Harm & Tragedy" confidence: 0.25'));
    expect((await say(gw, '[Death, Harm & Tragedy=0.15]')).status).toBe(200);
  });

  it('the spec name wins over the code name; the code name alone works', async () => {
    expect((await say(gw, '[Firearms & Weapons=0.85]')).status).toBe(200); // 0.9, not 0.05
    expect((await say(gw, '[Religion & Belief=0.9]')).status).toBe(200); // 0.95, not the global 0.4
    expect((await say(gw, '[Religion & Belief=0.96]')).status).toBe(400);
  });

  it('the first category over its threshold, in Google order, is the one reported', async () => {
    expect((await say(gw, '[Insult=0.9] [Toxic=0.2]')).json).toEqual(violation('name: "Toxic" confidence: 0.2'));
  });

  it('none of the threshold settings is reported as unsupported', () => {
    expect(gw.gateway.warnings.join('\n')).not.toMatch(/threshold/);
  });
});

describe('authentication and failures', () => {
  it('with api_key: sent as x-goog-api-key, no token exchange', async () => {
    const before = google.exchanges;
    const gw = await start({}, { plugins: [{ use: 'guardrail-google-text-moderation', config: { api_key: google.apiKey } }] } as never, { GOOGLE_TEXT_MODERATION_API_BASE: google.url });
    try {
      expect((await say(gw, 'hello')).status).toBe(200);
      expect(google.moderated.at(-1)!.headers['x-goog-api-key']).toBe(google.apiKey);
      expect(google.moderated.at(-1)!.headers.authorization).toBeUndefined();
      expect(google.exchanges).toBe(before);
      expect(gw.logs.join('\n')).not.toContain(google.apiKey);
    } finally {
      await gw.close();
    }
  });

  it('Google refusing the call (403) refuses the request (fail-closed) and logs why', async () => {
    const gw = await start();
    try {
      google.failure = { status: 403, body: JSON.stringify({ error: { code: 403, message: 'Cloud Natural Language API has not been used in project 1 before or it is disabled.', status: 'PERMISSION_DENIED' } }) };
      const r = await say(gw, 'hello');
      expect(r.status).toBe(500);
      expect(r.json).toEqual(FAIL_CLOSED);
      expect(gw.logs.join('\n')).toContain('PERMISSION_DENIED: Cloud Natural Language API has not been used');
    } finally {
      await gw.close();
    }
  });

  it('a key Google does not accept fails the token exchange: fail-closed', async () => {
    const wrong = join(tempDir(), 'wrong-account.json');
    const other = await startFakeGoogle();
    writeFileSync(wrong, JSON.stringify({ ...other.serviceAccount, token_uri: google.tokenUri }));
    await other.close();
    const gw = await start({}, {}, { GOOGLE_APPLICATION_CREDENTIALS: wrong, GOOGLE_TEXT_MODERATION_API_BASE: google.url });
    try {
      expect((await say(gw, 'hello')).json).toEqual(FAIL_CLOSED);
      expect(google.rejected).toEqual([expect.stringContaining('Invalid JWT Signature')]);
      google.rejected.length = 0;
    } finally {
      await gw.close();
    }
  });

  it('Google unreachable with failure_policy fail-open: requests go through unmoderated', async () => {
    const gw = await start({}, { plugins: [{ use: 'guardrail-google-text-moderation', failure_policy: 'fail-open', config: { api_base: 'http://127.0.0.1:9' } }] } as never);
    try {
      expect((await say(gw, 'hello [Toxic=0.99]')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('without GOOGLE_APPLICATION_CREDENTIALS or api_key the gateway does not start', async () => {
    await expect(start({}, {}, { GOOGLE_TEXT_MODERATION_API_BASE: google.url })).rejects.toThrow(/GOOGLE_APPLICATION_CREDENTIALS/);
  });
});
