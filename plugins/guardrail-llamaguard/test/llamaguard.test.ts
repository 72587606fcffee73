/**
 * guardrail-llamaguard through a real gateway: the LlamaGuard model is a model group of
 * model_list whose deployment points at a local fake LlamaGuard server; what it is asked, the 400
 * an unsafe message gets, the custom categories file, and the failure policy.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { API_KEY, MODEL, startFakeLlamaGuard, type FakeLlamaGuard } from './fake-llamaguard.js';

const VIOLATION = { error: { message: 'Violated content safety policy', type: 'bad_request_error', param: 'None', code: '400' } };
const FAIL_CLOSED = {
  error: { message: 'Plugin guardrail-llamaguard failed in preCall; the request was refused (fail-closed).', type: 'internal_server_error', param: null, code: '500' },
};

let upstream: MockOpenAI;
let guard: FakeLlamaGuard;

function config(litellmSettings: Record<string, unknown>, extra: Partial<SluiceConfig> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'gpt-3.5-turbo-instruct', litellm_params: { model: 'text-completion-openai/gpt-3.5-turbo-instruct', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'llamaguard', litellm_params: { model: `openai/${MODEL}`, api_base: guard.url, api_key: API_KEY } },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: litellmSettings,
    ...extra,
  } as SluiceConfig;
}

async function post(gw: TestGateway, path: string, body: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> };
}

const chat = (...messages: { role: string; content: unknown }[]) => ({ model: 'gpt-4o-mini', messages });

beforeAll(async () => {
  upstream = await startMockOpenAI();
  guard = await startFakeLlamaGuard();
});
afterAll(async () => {
  await upstream?.close();
  await guard?.close();
});
beforeEach(() => {
  guard.received.length = 0;
  guard.reply = undefined;
  guard.failure = undefined;
});
afterEach(() => {
  expect(guard.rejected).toEqual([]);
});

describe('llamaguard_moderations with the model own categories', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config({ callbacks: ['llamaguard_moderations'], llamaguard_model_name: 'llamaguard' }));
  });
  afterAll(() => gw?.close());

  it('a safe conversation goes through; LlamaGuard sees only the last message, through the deployment of the group', async () => {
    const r = await post(gw, '/v1/chat/completions', chat({ role: 'system', content: 'You are a chemist' }, { role: 'user', content: 'How do plants make sugar?' }));
    expect(r.status).toBe(200);
    expect(guard.received).toHaveLength(1);
    expect(guard.received[0]!.body).toMatchObject({ model: MODEL, messages: [{ role: 'user', content: 'How do plants make sugar?' }] });
    expect(upstream.requests.at(-1)!.body.messages).toHaveLength(2);
  });

  it('an unsafe message is refused with 400 before the provider is called; the categories are logged', async () => {
    const before = upstream.requests.length;
    const first = gw.logs.length;
    const r = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'How do I build a bomb?' }));
    expect(r.status).toBe(400);
    expect(r.json).toEqual(VIOLATION);
    expect(r.headers.get('x-sluice-error-code')).toBe('LLAMAGUARD_UNSAFE');
    expect(r.headers.get('x-sluice-plugin')).toBe('guardrail-llamaguard');
    expect(upstream.requests.length).toBe(before);
    const warning = gw.logs.slice(first).map((l) => JSON.parse(l)).find((l) => l.plugin === 'guardrail-llamaguard' && l.level === 40);
    expect(warning).toMatchObject({ categories: ['O3'] });
  });

  it('reads LlamaGuard 3 answers (leading blank line, S-codes) and multi-part text', async () => {
    guard.reply = '\n\nunsafe\nS1,S10';
    const r = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: 'part two' }] }));
    expect(r.status).toBe(400);
    expect(guard.received[0]!.body.messages).toEqual([{ role: 'user', content: 'part one\npart two' }]);
    guard.reply = ' safe ';
    expect((await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hi' }))).status).toBe(200);
  });

  it('checks the completions prompt', async () => {
    const r = await post(gw, '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'how to kill a process' });
    expect(r.status).toBe(400);
    expect(guard.received[0]!.body.messages).toEqual([{ role: 'user', content: 'how to kill a process' }]);
  });

  it('the LlamaGuard call itself runs no hooks: it is not moderated again and the client sees one call', async () => {
    await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hello' }));
    expect(guard.received).toHaveLength(1);
  });

  it('LlamaGuard failing or answering something else refuses the call (fail-closed)', async () => {
    const before = upstream.requests.length;
    guard.failure = { status: 500, body: '{"error":{"message":"CUDA out of memory"}}' };
    const down = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hello' }));
    expect(down.status).toBe(500);
    expect(down.json).toEqual(FAIL_CLOSED);
    guard.failure = undefined;
    guard.reply = 'I am a helpful assistant! Sure, here is';
    const odd = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hello' }));
    expect(odd.status).toBe(500);
    expect(odd.json).toEqual(FAIL_CLOSED);
    expect(upstream.requests.length).toBe(before);
  });

  it('claims llamaguard_moderations and its settings', () => {
    expect(gw.gateway.warnings.join('\n')).not.toMatch(/llamaguard/);
  });
});

describe('spec: Customize LlamaGuard prompt (llamaguard_unsafe_content_categories)', () => {
  const CATEGORIES = 'C1: Cooking Secrets.\nShould not\n- Reveal the secret sauce recipe.\nC2: Violence.\nShould not\n- Help people kill.';
  let gw: TestGateway;
  beforeAll(async () => {
    const file = join(tempDir(), 'llamaguard_prompt.txt');
    writeFileSync(file, `${CATEGORIES}\n`);
    gw = await startGateway(
      config({ callbacks: ['llamaguard_moderations'], llamaguard_model_name: 'llamaguard', llamaguard_unsafe_content_categories: relative(process.cwd(), file) }),
    );
  });
  afterAll(() => gw?.close());

  it('the categories file reaches the model inside the LlamaGuard prompt, with the conversation', async () => {
    const r = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'What is in the secret sauce?' }));
    expect(r.status).toBe(200);
    const sent = guard.received[0]!.body.messages;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.role).toBe('user');
    expect(sent[0]!.content).toBe(
      [
        "[INST] Task: Check if there is unsafe content in 'User' messages in conversations according our safety policy with the below categories.",
        '',
        '<BEGIN UNSAFE CONTENT CATEGORIES>',
        CATEGORIES,
        '<END UNSAFE CONTENT CATEGORIES>',
        '',
        '<BEGIN CONVERSATION>',
        '',
        'User: What is in the secret sauce?',
        '',
        '<END CONVERSATION>',
        '',
        'Provide your safety assessment for User in the above conversation:',
        "- First line must read 'safe' or 'unsafe'.",
        '- If unsafe, a second line must include a comma-separated list of violated categories. [/INST]',
      ].join('\n'),
    );
  });

  it('the verdict still decides (the categories text itself is not judged)', async () => {
    expect((await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'I want to kill time' }))).status).toBe(400);
  });

  it('a model turn at the end is assessed as the Agent', async () => {
    await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'Say something' }, { role: 'assistant', content: 'Sure, here' }));
    const prompt = guard.received[0]!.body.messages[0]!.content;
    expect(prompt).toContain("unsafe content in 'Agent' messages");
    expect(prompt).toContain('\nAgent: Sure, here\n');
    expect(prompt).toContain('safety assessment for Agent in');
  });
});

describe('configuration', () => {
  it('a categories file that does not exist stops the gateway from starting', async () => {
    await expect(
      startGateway(config({ callbacks: ['llamaguard_moderations'], llamaguard_model_name: 'llamaguard', llamaguard_unsafe_content_categories: '/nonexistent/llamaguard_prompt.txt' })),
    ).rejects.toThrow('File not found. file_path=/nonexistent/llamaguard_prompt.txt');
  });

  it('without llamaguard_model_name the gateway does not start', async () => {
    await expect(startGateway(config({ callbacks: ['llamaguard_moderations'] }))).rejects.toThrow(/llamaguard_model_name/);
  });

  // A provider/model name (the spec's sagemaker/… example) gets a deployment of its own: see provider-sagemaker's tests.
  it('a model name that is not in model_list refuses calls (fail-closed), saying so in the log', async () => {
    const gw = await startGateway(config({ callbacks: ['llamaguard_moderations'], llamaguard_model_name: 'no-such-llamaguard-group' }));
    try {
      const r = await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hello' }));
      expect(r.status).toBe(500);
      expect(gw.logs.join('\n')).toContain('is not a model group of model_list');
    } finally {
      await gw.close();
    }
  });

  it('with failure_policy fail-open, a LlamaGuard outage lets calls through', async () => {
    const gw = await startGateway(
      config({ callbacks: ['llamaguard_moderations'], llamaguard_model_name: 'llamaguard' }, { plugins: [{ use: 'guardrail-llamaguard', failure_policy: 'fail-open', config: { timeout_ms: 200 } }] } as never),
    );
    try {
      guard.failure = { status: 503, body: '{"error":{"message":"overloaded"}}' };
      expect((await post(gw, '/v1/chat/completions', chat({ role: 'user', content: 'hello' }))).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
