/**
 * The guardrail framework through a real gateway: LiteLLM's `guardrails:` list, which guardrails
 * run on a request (default_on, the request's ask, the key's and the team's guardrails,
 * `permissions` off-switches), modes (pre_call, post_call on plain and streamed responses,
 * during_call), GET /guardrails/list and config errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../kernel/cli/config-check.js';
import type { SluiceConfig } from '../schemas/generated/config.js';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const SECRET = 'openai_api_key=sk-1234998222';
const REDACTED = 'openai_api_key=[REDACTED]';
const BANNED = 'Keyword banned. Keyword=forbidden';

/** A key whose team turned hide-secrets-pre on, as the tenancy plugin hands team settings over. */
const TEAM_KEY = 'sk-test-team-guardrails';
const teamKeys = writeTestPlugin({
  id: 'auth-test-team',
  hooks: { preAuth: { stage: 'AUTH' } },
  source: pluginSource(`
    return { preAuth: async (input) => input.token === ${JSON.stringify(TEAM_KEY)}
      ? { id: 'team-key-hash', authenticatedBy: '__ID__', role: 'internal_user', teamId: 't1', switches: { team: { on: ['hide-secrets-pre'] } } }
      : undefined };`),
});

let upstream: MockOpenAI;
let gw: TestGateway;

const guardrailsList = [
  { guardrail_name: 'hide-secrets-pre', litellm_params: { guardrail: 'hide-secrets', mode: 'pre_call', default_on: false } },
  {
    guardrail_name: 'banned-words',
    litellm_params: { guardrail: 'banned_keywords', mode: ['pre_call', 'post_call'], default_on: true, banned_keywords_list: ['forbidden'] },
    guardrail_info: { owner: 'security team' },
  },
];

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway(proxyConfig(upstream.url, { guardrails: guardrailsList, plugins: [{ use: 'auth-test-team' }] } as Partial<SluiceConfig>), {
    extraPluginDirs: [teamKeys],
  });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.behaviour = {};
});

async function send(method: string, path: string, body?: object, key: string | undefined = MASTER_KEY, url = gw.url) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

const chat = (content: string, key?: string, extra: object = {}, url?: string) =>
  send('POST', '/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }, key, url);
const sentToProvider = () => upstream.requests.at(-1)!.body as { messages: { content: string }[] };

async function newKey(body: object): Promise<string> {
  const r = await send('POST', '/key/generate', body);
  expect(r.status).toBe(200);
  return r.json().key as string;
}

describe('which guardrails run on a request', () => {
  it('a default_on: false guardrail does not run unless asked for; a default_on one always does', async () => {
    const r = await chat(`hello ${SECRET}`);
    expect(r.status).toBe(200);
    expect(sentToProvider().messages[0]!.content).toBe(`hello ${SECRET}`);
    expect(r.headers.get('x-litellm-applied-guardrails')).toBe('banned-words');
  });

  it('runs when the body names it in `guardrails`, which never reaches the provider', async () => {
    const r = await chat(`hello ${SECRET}`, MASTER_KEY, { guardrails: ['hide-secrets-pre'] });
    expect(r.status).toBe(200);
    expect(sentToProvider().messages[0]!.content).toBe(`hello ${REDACTED}`);
    expect(sentToProvider()).not.toHaveProperty('guardrails');
    expect(r.headers.get('x-litellm-applied-guardrails')?.split(',').sort()).toEqual(['banned-words', 'hide-secrets-pre']);
  });

  it('runs when metadata.guardrails names it (list or {name: true})', async () => {
    await chat(`a ${SECRET}`, MASTER_KEY, { metadata: { guardrails: ['hide-secrets-pre'] } });
    expect(sentToProvider().messages[0]!.content).toBe(`a ${REDACTED}`);
    await chat(`b ${SECRET}`, MASTER_KEY, { metadata: { guardrails: { 'hide-secrets-pre': true } } });
    expect(sentToProvider().messages[0]!.content).toBe(`b ${REDACTED}`);
  });

  it('runs on every request of a key generated with `guardrails: [name]`', async () => {
    const key = await newKey({ guardrails: ['hide-secrets-pre'] });
    await chat(`c ${SECRET}`, key);
    expect(sentToProvider().messages[0]!.content).toBe(`c ${REDACTED}`);
  });

  it('runs on every request of a key with `permissions: {name: true}` (LiteLLM: switch guardrails on per key)', async () => {
    const key = await newKey({ permissions: { 'hide-secrets-pre': true } });
    await chat(`d ${SECRET}`, key);
    expect(sentToProvider().messages[0]!.content).toBe(`d ${REDACTED}`);
  });

  it("runs on every request of a key whose team's guardrails name it", async () => {
    await chat(`e ${SECRET}`, TEAM_KEY);
    expect(sentToProvider().messages[0]!.content).toBe(`e ${REDACTED}`);
  });

  it('a team made with /team/new `guardrails` turns it on for its keys; team permissions switch one off', async () => {
    const team = await send('POST', '/team/new', { team_alias: 'guarded', guardrails: ['hide-secrets-pre'], metadata: { permissions: { 'banned-words': false } } });
    expect(team.status).toBe(200);
    const key = await newKey({ team_id: team.json().team_id });
    const r = await chat(`f ${SECRET} and the forbidden word`, key);
    expect(r.status).toBe(200);
    expect(sentToProvider().messages[0]!.content).toBe(`f ${REDACTED} and the forbidden word`);
    expect(r.headers.get('x-litellm-applied-guardrails')).toBe('hide-secrets-pre');
  });
});

describe('a blocked request and switching a guardrail off', () => {
  it('a default_on guardrail refuses with its coded 400 in the OpenAI envelope, naming the guardrail; the provider is not called', async () => {
    const before = upstream.requests.length;
    const r = await chat('say the forbidden word');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: { message: BANNED, type: 'bad_request_error', param: 'None', code: '400' } });
    expect(r.headers.get('x-sluice-error-code')).toBe('BANNED_KEYWORDS_KEYWORD');
    expect(r.headers.get('x-litellm-applied-guardrails')).toBe('banned-words');
    expect(upstream.requests.length).toBe(before);
  });

  it("a key's permissions switch it off, by guardrail name or by its implementation's name", async () => {
    for (const name of ['banned-words', 'banned_keywords']) {
      const key = await newKey({ permissions: { [name]: false } });
      const r = await chat('say the forbidden word', key);
      expect(r.status).toBe(200);
      expect(sentToProvider().messages[0]!.content).toBe('say the forbidden word');
      expect(r.headers.get('x-litellm-applied-guardrails')).toBeNull();
    }
  });

  it("a request's own metadata.permissions cannot switch it off; the attempt is logged", async () => {
    const from = gw.logs.length;
    const r = await chat('say the forbidden word', MASTER_KEY, { metadata: { permissions: { 'banned-words': false } } });
    expect(r.status).toBe(400);
    const notes = gw.logs.slice(from).map((l) => JSON.parse(l) as { msg: string; plugin?: string });
    expect(notes).toContainEqual(
      expect.objectContaining({
        plugin: 'guardrail-banned-keywords',
        msg: 'The request asked to turn the banned-words guardrail off; ignored because api key=master_key does not have "permissions": {"allow_request_banned-words_off": true}',
      }),
    );
  });

  it('a request may switch it off when its key allows requests to', async () => {
    const key = await newKey({ permissions: { 'allow_request_banned-words_off': true } });
    expect((await chat('say the forbidden word', key, { metadata: { permissions: { 'banned-words': false } } })).status).toBe(200);
    expect((await chat('say the forbidden word', key, { metadata: { guardrails: { 'banned-words': false } } })).status).toBe(200);
    expect((await chat('say the forbidden word', key)).status).toBe(400);
  });
});

describe('post_call', () => {
  it('checks a plain response and refuses it', async () => {
    upstream.behaviour = { reply: 'Sure, the forbidden word is here' };
    const r = await chat('tell me');
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe(BANNED);
  });

  it('checks a streamed response chunk by chunk: the chunk with the keyword and the rest never reach the client', async () => {
    upstream.behaviour = { reply: 'Sure, the forbidden word is here', chunkDelayMs: 5 };
    const r = await chat('tell me', MASTER_KEY, { stream: true });
    const events = r.text
      .split('\n\n')
      .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[]; error?: { message: string } });
    const text = events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Sure, the');
    expect(events.at(-1)!.error!.message).toBe(BANNED);
  });

  it('a pre_call-only entry leaves responses alone and taps no postCall at all', async () => {
    const only = await startGateway(
      proxyConfig(upstream.url, {
        guardrails: [{ guardrail_name: 'words-in', litellm_params: { guardrail: 'banned_keywords', mode: 'pre_call', default_on: true, banned_keywords_list: ['forbidden'] } }],
      } as Partial<SluiceConfig>),
    );
    try {
      upstream.behaviour = { reply: 'the forbidden word' };
      expect((await chat('tell me', MASTER_KEY, {}, only.url)).status).toBe(200);
      expect((await chat('say forbidden', MASTER_KEY, {}, only.url)).status).toBe(400);
      expect(only.gateway.hookOrder.filter((l) => l.includes('guardrail-banned-keywords'))).toEqual([expect.stringMatching(/^preCall /)]);
    } finally {
      await only.close();
    }
  });
});

describe('during_call', () => {
  let during: TestGateway;
  beforeAll(async () => {
    during = await startGateway(
      proxyConfig(upstream.url, {
        guardrails: [{ guardrail_name: 'words-during', litellm_params: { guardrail: 'banned_keywords', mode: 'during_call', default_on: true, banned_keywords_list: ['forbidden'] } }],
      } as Partial<SluiceConfig>),
    );
  });
  afterAll(() => during?.close());

  it('the provider is called alongside the check, and the response is refused when the check fails', async () => {
    const before = upstream.requests.length;
    const r = await chat('say the forbidden word', MASTER_KEY, {}, during.url);
    expect(upstream.requests.length).toBe(before + 1);
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe(BANNED);
    expect(r.headers.get('x-litellm-applied-guardrails')).toBe('words-during');
  });

  it('a streamed response is refused with a status before any chunk is sent', async () => {
    upstream.behaviour = { reply: 'a harmless answer' };
    const r = await chat('say the forbidden word', MASTER_KEY, { stream: true }, during.url);
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe(BANNED);
  });

  it('a request that passes the check gets its response', async () => {
    upstream.behaviour = { reply: 'a harmless answer' };
    const plain = await chat('hello', MASTER_KEY, {}, during.url);
    expect(plain.status).toBe(200);
    expect(plain.json().choices[0].message.content).toBe('a harmless answer');
    const streamed = await chat('hello', MASTER_KEY, { stream: true }, during.url);
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('harmless');
  });
});

describe('GET /guardrails/list', () => {
  it("answers LiteLLM's shape to any authenticated caller, saying how post_call sees streams", async () => {
    const key = await newKey({});
    for (const caller of [MASTER_KEY, key]) {
      const r = await send('GET', '/guardrails/list', undefined, caller);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({
        guardrails: [
          {
            guardrail_name: 'hide-secrets-pre',
            litellm_params: { guardrail: 'hide-secrets', mode: 'pre_call', default_on: false },
            guardrail_info: { implemented_by: 'guardrail-hide-secrets@1.0.0', supported_modes: ['pre_call', 'logging_only'] },
            guardrail_definition_location: 'config',
          },
          {
            guardrail_name: 'banned-words',
            litellm_params: { guardrail: 'banned_keywords', mode: ['pre_call', 'post_call'], default_on: true, banned_keywords_list: ['forbidden'] },
            guardrail_info: {
              implemented_by: 'guardrail-banned-keywords@1.0.0',
              supported_modes: ['pre_call', 'during_call', 'post_call', 'logging_only'],
              post_call_streaming: 'chunk',
              owner: 'security team',
            },
            guardrail_definition_location: 'config',
          },
        ],
      });
    }
    expect((await send('GET', '/guardrails/list', undefined, '')).status).toBe(401);
  });

  it('lists a guardrail enabled by a callback name as always on', async () => {
    const other = await startGateway(proxyConfig(upstream.url, { litellm_settings: { callbacks: ['hide_secrets'] } }));
    try {
      const r = await send('GET', '/guardrails/list', undefined, MASTER_KEY, other.url);
      expect(r.json().guardrails).toEqual([expect.objectContaining({ guardrail_name: 'hide_secrets', litellm_params: { guardrail: 'hide_secrets', mode: ['pre_call'], default_on: true } })]);
    } finally {
      await other.close();
    }
  });

  it('is an empty list when no guardrail is configured', async () => {
    const other = await startGateway(proxyConfig(upstream.url));
    try {
      expect((await send('GET', '/guardrails/list', undefined, MASTER_KEY, other.url)).json()).toEqual({ guardrails: [] });
    } finally {
      await other.close();
    }
  });
});

describe("LiteLLM's older litellm_settings.guardrails list", () => {
  it('maps `- name: {callbacks, default_on}` onto the same rules', async () => {
    const other = await startGateway(
      proxyConfig(upstream.url, { litellm_settings: { guardrails: [{ secrets_guard: { callbacks: ['hide_secrets'], default_on: false } }] } }),
    );
    try {
      await chat(`f ${SECRET}`, MASTER_KEY, {}, other.url);
      expect(sentToProvider().messages[0]!.content).toBe(`f ${SECRET}`);
      await chat(`g ${SECRET}`, MASTER_KEY, { metadata: { guardrails: { secrets_guard: true } } }, other.url);
      expect(sentToProvider().messages[0]!.content).toBe(`g ${REDACTED}`);
      expect(other.gateway.warnings.filter((w) => w.includes('guardrails'))).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('config errors name the entry', () => {
  const start = (guardrails: unknown[]) => startGateway(proxyConfig(upstream.url, { guardrails } as Partial<SluiceConfig>));
  const entry = (litellm_params: object, guardrail_name = 'g1') => ({ guardrail_name, litellm_params });

  it.each([
    ['an unknown mode', [entry({ guardrail: 'hide-secrets', mode: 'pre_mcp_call' })], 'guardrails[0].litellm_params.mode', /"pre_mcp_call" is not a guardrail mode/],
    ['a mode the plugin lacks', [entry({ guardrail: 'hide-secrets', mode: ['pre_call', 'post_call'] })], 'guardrails[0].litellm_params.mode', /guardrail-hide-secrets does not support mode post_call \(it supports pre_call\)/],
    ['no mode', [entry({ guardrail: 'hide-secrets' })], 'guardrails[0].litellm_params.mode', /is required/],
    ['a name used twice', [entry({ guardrail: 'hide-secrets', mode: 'pre_call' }), entry({ guardrail: 'banned_keywords', mode: 'pre_call' })], 'guardrails[1].guardrail_name', /"g1" is also the name of guardrails\[0\]/],
    ['a bad default_on', [entry({ guardrail: 'hide-secrets', mode: 'pre_call', default_on: 'yes' })], 'guardrails[0].litellm_params.default_on', /must be true or false/],
  ])('%s', async (_, guardrails, path, message) => {
    const err = await start(guardrails).then(
      () => undefined,
      (e: unknown) => e as Error & { path: string },
    );
    expect(err?.name).toBe('ConfigError');
    expect(err?.path).toBe(path);
    expect(err?.message).toMatch(message);
  });

  // A guardrail no enabled plugin implements no longer stops startup (issue 14): it is warned
  // about, and a request that activates it gets a 500 (test/litellm-compat/config-as-litellm.test.ts).
  it.each([
    ['a LiteLLM guardrail Sluice lacks', entry({ guardrail: 'aporia', mode: 'pre_call' }), [], /^guardrails\[0\]\.litellm_params\.guardrail: guardrail "g1" "aporia" is a LiteLLM guardrail Sluice does not implement/],
    ['an unknown implementation', entry({ guardrail: 'nope', mode: 'pre_call' }), [], /^guardrails\[0\]\.litellm_params\.guardrail: guardrail "g1" "nope" is not a guardrail Sluice knows \(available: .*hide-secrets/],
    ['a plugin the config disables', entry({ guardrail: 'hide-secrets', mode: 'pre_call' }), [{ use: 'guardrail-hide-secrets', enabled: false }], /guardrail "g1" needs plugin guardrail-hide-secrets, which the config disables/],
  ])('%s: a warning, not a refusal to start', async (_, guardrail, plugins, message) => {
    const other = await startGateway(proxyConfig(upstream.url, { guardrails: [guardrail], plugins } as Partial<SluiceConfig>));
    try {
      expect(other.gateway.warnings).toContainEqual(expect.stringMatching(message));
    } finally {
      await other.close();
    }
  });

  it('logging_only and params the plugin does not have are accepted with a warning', async () => {
    const other = await start([entry({ guardrail: 'hide-secrets', mode: 'logging_only', api_base: 'http://x' })]);
    try {
      expect(other.gateway.warnings).toEqual(
        expect.arrayContaining([
          'guardrails[0].litellm_params.api_base is not a setting of guardrail-hide-secrets; it is ignored',
          'guardrails[0] (g1): mode logging_only has no effect yet: Sluice logs no request or response content for it to apply to',
        ]),
      );
      expect(other.gateway.hookOrder.some((l) => l.includes('guardrail-hide-secrets'))).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('sluice config check on guardrails-litellm entries', () => {
  it('reports a bad guardrail entry as startup does, and its warnings', async () => {
    const write = (guardrails: object[]) => {
      const file = join(tempDir('sluice-guardrails-'), 'config.yaml');
      writeFileSync(file, JSON.stringify({ model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }], guardrails }));
      return file;
    };
    const bad = await checkConfig(write([{ guardrail_name: 'g1', litellm_params: { guardrail: 'hide-secrets', mode: 'post_call' } }]), {}).catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'ConfigError', path: 'guardrails[0].litellm_params.mode', message: expect.stringContaining('does not support mode post_call') });
    const report = await checkConfig(write([{ guardrail_name: 'g1', litellm_params: { guardrail: 'hide-secrets', mode: 'logging_only' } }]), {});
    expect(report.warnings).toContain('guardrails[0] (g1): mode logging_only has no effect yet: Sluice logs no request or response content for it to apply to');
  });
});
