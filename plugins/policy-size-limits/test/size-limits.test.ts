/**
 * policy-size-limits through a real gateway: oversized requests refused from their Content-Length
 * before the body is read (and before auth), oversized responses refused whole or cut mid-stream.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

function tooLarge(what: 'Request' | 'Response', size: string, max: string): unknown {
  return { error: { message: `${what} size is too large. ${what} size is ${size} MB. Max size is ${max} MB`, type: 'bad_request_error', param: 'content-length', code: '400' } };
}

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI({ reply: 'ok' });
});
afterAll(async () => {
  await upstream?.close();
});

function configWith(generalSettings: Record<string, unknown>) {
  return {
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-upstream' } }],
    general_settings: { master_key: MASTER_KEY, ...generalSettings },
  };
}

/** A chat request body of exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(bytes - empty.length) }] });
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}

async function chat(gw: TestGateway, body: string | ReadableStream, key: string | undefined = MASTER_KEY) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const init = { method: 'POST', headers, body, ...(typeof body === 'string' ? {} : { duplex: 'half' }) } as RequestInit;
  const res = await fetch(`${gw.url}/v1/chat/completions`, init);
  return { res, text: await res.text() };
}

describe('max_request_size_mb', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(configWith({ max_request_size_mb: 0.001 })); // 1048.576 bytes
  });
  afterAll(() => gw?.close());

  it('a request over the limit is refused with LiteLLM\'s message, sizes printed as Python prints them', async () => {
    const before = upstream.requests.length;
    const { res, text } = await chat(gw, bodyOf(2000));
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual(tooLarge('Request', '0.0019073486328125', '0.001'));
    expect(res.headers.get('x-sluice-error-code')).toBe('SIZE_LIMIT_REQUEST_TOO_LARGE');
    expect(upstream.requests.length).toBe(before);
  });

  it('a request at the limit passes on to the auth plugins (preAuth answers no principal)', async () => {
    expect((await chat(gw, bodyOf(1048))).res.status).toBe(200);
    expect((await chat(gw, bodyOf(1048), 'sk-wrong-key-0000')).res.status).toBe(401);
  });

  it('is checked before the key, as LiteLLM does in its auth step', async () => {
    const { res, text } = await chat(gw, bodyOf(2000), undefined);
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual(tooLarge('Request', '0.0019073486328125', '0.001'));
  });

  it('is refused from the header alone: a 50 MB Content-Length gets its answer before any body is sent', async () => {
    const url = new URL(`${gw.url}/v1/chat/completions`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only; the body never comes
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(tooLarge('Request', '50.0', '0.001'));
  });

  it('a chunked request (no Content-Length) is not measured here: server.body_limit_mb bounds it', async () => {
    const bytes = new TextEncoder().encode(bodyOf(2000));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    expect((await chat(gw, stream)).res.status).toBe(200);
  });
});

describe('max_response_size_mb', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(configWith({ max_response_size_mb: 0.0005 })); // 524.288 bytes
  });
  afterAll(() => {
    upstream.behaviour.reply = 'ok';
    delete upstream.behaviour.chunkDelayMs;
    return gw?.close();
  });

  /** The size in a response-size message, back in bytes. */
  function reportedBytes(message: string): number {
    const m = /^Response size is too large\. Response size is ([\d.e-]+) MB\. Max size is 0\.0005 MB$/.exec(message);
    expect(m, message).not.toBeNull();
    return Number(m![1]) * 1024 * 1024;
  }

  it('a small response goes through', async () => {
    upstream.behaviour.reply = 'ok';
    const { res } = await chat(gw, bodyOf(200));
    expect(res.status).toBe(200);
  });

  it('a whole response over the limit is refused with 400, its size in the message', async () => {
    upstream.behaviour.reply = 'y'.repeat(600);
    const { res, text } = await chat(gw, bodyOf(200));
    expect(res.status).toBe(400);
    const { error } = JSON.parse(text) as { error: { message: string; type: string; param: string; code: number } };
    expect({ ...error, message: undefined }).toEqual({ message: undefined, type: 'bad_request_error', param: 'content-length', code: '400' });
    const bytes = reportedBytes(error.message);
    expect(Number.isInteger(bytes)).toBe(true);
    expect(bytes).toBeGreaterThan(600);
    expect(bytes).toBeLessThan(1000);
  });

  it('a stream is counted chunk by chunk and cut in-band once over, without [DONE]', async () => {
    Object.assign(upstream.behaviour, { reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 20 });
    const { res, text } = await chat(gw, JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count' }] }));
    expect(res.status).toBe(200);
    const events = text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
    const last = events.at(-1) as { error: { message: string; param: string; code: number } };
    expect(last.error).toMatchObject({ param: 'content-length', code: '400' });
    expect(reportedBytes(last.error.message)).toBeGreaterThan(524.288);
    const relayed = events.slice(0, -1);
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.length).toBeLessThan(10); // the words after the limit never left
    const relayedBytes = relayed.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
    expect(relayedBytes).toBeLessThanOrEqual(524.288);
    expect(text).not.toContain('[DONE]');
  });
});

describe('a first stream chunk over the limit', () => {
  it('gets a proper 400 status, since nothing was sent yet', async () => {
    const gw = await startGateway(configWith({ max_response_size_mb: 0.0001 })); // 104.8576 bytes, under one chunk
    try {
      Object.assign(upstream.behaviour, { reply: 'one two', chunkDelayMs: 20 });
      const { res, text } = await chat(gw, JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count' }] }));
      expect(res.status).toBe(400);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(/^Response size is too large\. Response size is .* MB\. Max size is 0\.0001 MB$/);
    } finally {
      upstream.behaviour.reply = 'ok';
      delete upstream.behaviour.chunkDelayMs;
      await gw.close();
    }
  });
});

describe('without limits', () => {
  it('taps nothing, so streams keep the byte-level relay; the settings are claimed when set', async () => {
    const off = await startGateway(configWith({}));
    const on = await startGateway(configWith({ max_request_size_mb: 32, max_response_size_mb: 32 }));
    try {
      expect(off.gateway.hookOrder.some((l) => l.includes('policy-size-limits'))).toBe(false);
      expect(off.gateway.plugins.some((p) => p.id === 'policy-size-limits')).toBe(true); // enabled by default
      expect(on.gateway.hookOrder.filter((l) => l.includes('policy-size-limits')).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
        'preAuth SECURITY',
        'postCall SECURITY',
        'postCallChunk SECURITY',
      ]);
      expect(on.gateway.warnings.join('\n')).not.toContain('size_mb');
      expect((await chat(on, bodyOf(2000))).res.status).toBe(200);
    } finally {
      await off.close();
      await on.close();
    }
  });
});
