/**
 * guardrail-banned-keywords through a real gateway: requests refused before the provider is
 * called, responses refused before the client sees them (whole, or mid-stream in-band), the list
 * read from YAML or a .txt file.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

function banned(keyword: string): unknown {
  return { error: { message: `Keyword banned. Keyword=${keyword}`, type: 'bad_request_error', param: 'None', code: '400' } };
}

function configWith(upstream: MockOpenAI, litellmSettings: Record<string, unknown>) {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } },
      { model_name: 'gpt-3.5-turbo-instruct', litellm_params: { model: 'text-completion-openai/gpt-3.5-turbo-instruct', api_base: upstream.url, api_key: 'sk-upstream' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: litellmSettings,
  };
}

async function call(gw: TestGateway, path: string, body: Record<string, unknown>) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, text: await res.text() };
}

const chat = (content: unknown, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

/** The mock's default reply says "Hello", which the list bans. */
const CLEAN_REPLY = 'Fine, thanks for asking.';

let upstream: MockOpenAI;
let gw: TestGateway;
let listFile: string;
beforeAll(async () => {
  upstream = await startMockOpenAI({ reply: CLEAN_REPLY });
  // A keyword file as operators write them: CRLF line ends, a blank line, a trailing newline.
  listFile = join(tempDir(), 'keywords.txt');
  writeFileSync(listFile, 'Top Secret\r\nproject falcon\r\n\r\nhello\n');
  gw = await startGateway(
    configWith(upstream, { callbacks: ['banned_keywords'], banned_keywords_list: relative(process.cwd(), listFile) }),
  );
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('requests', () => {
  it('a message containing a keyword is refused with 400 before any provider call', async () => {
    const before = upstream.requests.length;
    const { res, text } = await call(gw, '/v1/chat/completions', chat('Tell me about PROJECT Falcon, please'));
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual(banned('project falcon'));
    expect(res.headers.get('x-sluice-error-code')).toBe('BANNED_KEYWORDS_KEYWORD');
    expect(res.headers.get('x-sluice-plugin')).toBe('guardrail-banned-keywords');
    expect(upstream.requests.length).toBe(before);
  });

  it('reports the keyword as the list spells it, and the first listed one when several occur', async () => {
    const { text } = await call(gw, '/v1/chat/completions', chat('hello, this is top secret'));
    expect(JSON.parse(text)).toEqual(banned('Top Secret'));
  });

  it('checks every message, text parts of multi-part content, and the completions prompt', async () => {
    const system = await call(gw, '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Say hello' }, { role: 'user', content: 'fine' }],
    });
    expect(JSON.parse(system.text)).toEqual(banned('hello'));
    const parts = await call(gw, '/v1/chat/completions', chat([{ type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'text', text: 'top secret' }]));
    expect(JSON.parse(parts.text)).toEqual(banned('Top Secret'));
    const prompt = await call(gw, '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: ['fine', 'Hello there'] });
    expect(prompt.res.status).toBe(400);
    expect(JSON.parse(prompt.text)).toEqual(banned('hello'));
  });

  it('a request without a keyword goes through, and so does a partial or split keyword', async () => {
    const { res } = await call(gw, '/v1/chat/completions', chat('top-secret? help low? project, falcon'));
    expect(res.status).toBe(200);
  });
});

describe('responses', () => {
  it('a whole response containing a keyword is refused with 400', async () => {
    upstream.behaviour.reply = 'Sure! hello from the model.';
    try {
      const { res, text } = await call(gw, '/v1/chat/completions', chat('greet me'));
      expect(res.status).toBe(400);
      expect(JSON.parse(text)).toEqual(banned('hello'));
      const completion = await call(gw, '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'greet me' });
      expect(JSON.parse(completion.text)).toEqual(banned('hello'));
    } finally {
      upstream.behaviour.reply = CLEAN_REPLY;
    }
  });

  it('a stream is cut where a keyword appears, even split across chunks, with an in-band error and no [DONE]', async () => {
    Object.assign(upstream.behaviour, { reply: 'this is top secret material', chunkDelayMs: 30 });
    try {
      const { res, text } = await call(gw, '/v1/chat/completions', chat('tell me', { stream: true }));
      expect(res.status).toBe(200); // the first chunks were already on their way
      const events = text.split('\n\n').filter(Boolean);
      const content = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('');
      expect(content).toBe('this is top'); // " secret" completed the keyword and never left
      expect(events.at(-1)).toBe(`data: ${JSON.stringify(banned('Top Secret'))}`);
      expect(text).not.toContain('[DONE]');
    } finally {
      upstream.behaviour.reply = CLEAN_REPLY;
      delete upstream.behaviour.chunkDelayMs;
    }
  });

  it('a keyword in the first chunk of a stream gets a proper 400', async () => {
    Object.assign(upstream.behaviour, { reply: 'Hello, and welcome', chunkDelayMs: 30 });
    try {
      const { res, text } = await call(gw, '/v1/chat/completions', chat('greet me', { stream: true }));
      expect(res.status).toBe(400);
      expect(JSON.parse(text)).toEqual(banned('hello'));
    } finally {
      upstream.behaviour.reply = CLEAN_REPLY;
      delete upstream.behaviour.chunkDelayMs;
    }
  });

  it('a clean stream is relayed whole', async () => {
    const { res, text } = await call(gw, '/v1/chat/completions', chat('hi', { stream: true }));
    expect(res.status).toBe(200);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});

describe('configuration', () => {
  it('claims banned_keywords and banned_keywords_list: neither is reported as unsupported', () => {
    const warnings = gw.gateway.warnings.join('\n');
    expect(warnings).not.toContain('banned_keywords');
    expect(gw.gateway.hookOrder).toEqual(
      expect.arrayContaining([expect.stringMatching(/^preCall\s+GUARDRAIL\s+guardrail-banned-keywords@1\.0\.0/), expect.stringMatching(/^postCallChunk\s+GUARDRAIL\s+guardrail-banned-keywords/)]),
    );
  });

  it('a list given inline in YAML works the same', async () => {
    const inline = await startGateway(configWith(upstream, { callbacks: ['banned_keywords'], banned_keywords_list: ['falcon', 1234] }));
    try {
      expect(JSON.parse((await call(inline, '/v1/chat/completions', chat('FALCON'))).text)).toEqual(banned('falcon'));
      expect(JSON.parse((await call(inline, '/v1/chat/completions', chat('pin 1234'))).text)).toEqual(banned('1234'));
    } finally {
      await inline.close();
    }
  });

  it('a missing list file stops the gateway from starting, naming the file', async () => {
    await expect(
      startGateway(configWith(upstream, { callbacks: ['banned_keywords'], banned_keywords_list: '/nonexistent/keywords.txt' })),
    ).rejects.toThrow(/banned_keywords_list: cannot read the list file \/nonexistent\/keywords\.txt/);
  });

  it('enabled without a list: a warning, and nothing is blocked', async () => {
    const empty = await startGateway(configWith(upstream, { callbacks: ['banned_keywords'] }));
    try {
      expect(empty.logs.some((l) => l.includes('"level":40') && l.includes('banned_keywords_list is empty'))).toBe(true);
      expect((await call(empty, '/v1/chat/completions', chat('hello'))).res.status).toBe(200);
    } finally {
      await empty.close();
    }
  });

  it('not enabled without the callback, even with a list', async () => {
    const off = await startGateway(configWith(upstream, { banned_keywords_list: ['hello'] }));
    try {
      expect((await call(off, '/v1/chat/completions', chat('hello'))).res.status).toBe(200);
      expect(off.gateway.warnings.join('\n')).toContain('litellm_settings.banned_keywords_list has no effect: it is read by plugin guardrail-banned-keywords, which is not enabled');
    } finally {
      await off.close();
    }
  });
});
