/**
 * guardrail-blocked-users through a real gateway: a blocked `user` (or `user_id`) is refused with
 * LiteLLM's message before any other preCall plugin or provider sees the request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

function blocked(user: string): unknown {
  return { error: { message: `User blocked from making LLM API Calls. User=${user}`, type: 'bad_request_error', param: 'None', code: '400' } };
}

function configWith(upstream: MockOpenAI, litellmSettings: Record<string, unknown>) {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'text-embedding-3-small', litellm_params: { model: 'openai/text-embedding-3-small', api_base: upstream.url, api_key: 'sk-upstream' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: litellmSettings,
  };
}

async function call(gw: TestGateway, body: Record<string, unknown>, path = '/v1/chat/completions') {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, json: JSON.parse(await res.text()) as unknown };
}

const chat = (extra: Record<string, unknown>) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });

let upstream: MockOpenAI;
let gw: TestGateway;
beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway(
    configWith(upstream, { callbacks: ['blocked_user_check', 'banned_keywords'], blocked_user_list: ['opted-out@example.com', 12345], banned_keywords_list: ['forbidden'] }),
  );
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('blocked users', () => {
  it('a blocked user is refused with 400 and LiteLLM\'s message; the provider is never called', async () => {
    const before = upstream.requests.length;
    const { res, json } = await call(gw, chat({ user: 'opted-out@example.com' }));
    expect(res.status).toBe(400);
    expect(json).toEqual(blocked('opted-out@example.com'));
    expect(res.headers.get('x-sluice-error-code')).toBe('BLOCKED_USER_BLOCKED');
    expect(res.headers.get('x-sluice-plugin')).toBe('guardrail-blocked-users');
    expect(upstream.requests.length).toBe(before);
  });

  it('checks user_id as LiteLLM does, and user as well when user_id is not blocked', async () => {
    expect((await call(gw, chat({ user_id: 'opted-out@example.com' }))).json).toEqual(blocked('opted-out@example.com'));
    expect((await call(gw, chat({ user_id: 'someone-else', user: 'opted-out@example.com' }))).json).toEqual(blocked('opted-out@example.com'));
  });

  it('an id YAML read as a number blocks the same id sent as a string', async () => {
    expect((await call(gw, chat({ user: '12345' }))).json).toEqual(blocked('12345'));
  });

  it('other users, no user, and look-alikes go through', async () => {
    for (const extra of [{ user: 'someone@example.com' }, {}, { user: 'OPTED-OUT@example.com' }, { user: '' }]) {
      expect((await call(gw, chat(extra))).res.status).toBe(200);
    }
  });

  it('streams and embeddings are refused too, with a proper status', async () => {
    const stream = await call(gw, chat({ user: 'opted-out@example.com', stream: true }));
    expect(stream.res.status).toBe(400);
    expect(stream.json).toEqual(blocked('opted-out@example.com'));
    const embeddings = await call(gw, { model: 'text-embedding-3-small', input: 'x', user: 'opted-out@example.com' }, '/v1/embeddings');
    expect(embeddings.res.status).toBe(400);
  });

  it('runs at SECURITY, before guardrails: a blocked user gets the blocked answer whatever the prompt', async () => {
    const { json } = await call(gw, { ...chat({ user: 'opted-out@example.com' }), messages: [{ role: 'user', content: 'forbidden' }] });
    expect(json).toEqual(blocked('opted-out@example.com'));
    const order = gw.gateway.hookOrder.filter((l) => l.startsWith('preCall'));
    expect(order.findIndex((l) => l.includes('guardrail-blocked-users'))).toBeLessThan(order.findIndex((l) => l.includes('guardrail-banned-keywords')));
    expect(order.find((l) => l.includes('guardrail-blocked-users'))).toMatch(/^preCall\s+SECURITY/);
  });

  it('claims blocked_user_check and blocked_user_list: neither is reported as unsupported', () => {
    expect(gw.gateway.warnings.join('\n')).not.toMatch(/blocked_user/);
  });
});

describe('a .txt list', () => {
  it('reads one id per line, CRLF or LF, ignoring blank lines (a trailing newline blocks no one)', async () => {
    const file = join(tempDir(), 'blocked.txt');
    writeFileSync(file, 'user_id_1\r\nuser_id_2\n\n');
    const fromFile = await startGateway(configWith(upstream, { callbacks: ['blocked_user_check'], blocked_user_list: file }));
    try {
      expect((await call(fromFile, chat({ user: 'user_id_2' }))).json).toEqual(blocked('user_id_2'));
      expect((await call(fromFile, chat({ user: 'user_id_1' }))).json).toEqual(blocked('user_id_1'));
      expect((await call(fromFile, chat({ user: '' }))).res.status).toBe(200);
    } finally {
      await fromFile.close();
    }
  });

  it('a missing file stops the gateway from starting', async () => {
    await expect(startGateway(configWith(upstream, { callbacks: ['blocked_user_check'], blocked_user_list: 'no/such/blocked.txt' }))).rejects.toThrow(
      /blocked_user_list: cannot read the list file .*no\/such\/blocked\.txt/,
    );
  });
});
