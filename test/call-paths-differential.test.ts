/**
 * The LLM call routes have two ways in: the fast path (kernel/server/call-fast-path.ts) takes a
 * JSON body of a stated length straight from node's request event; anything else (here: the same
 * body sent chunked) goes through fastify's router, hooks and error handler. Over real HTTP, the
 * same request must get the same answer both ways — status, headers (minus per-request ones) and
 * body — with plugins in the way: headers a plugin adds, a postCall plugin rewriting the answer
 * (plain and streamed), verdicts of each status, a plugin fault, upstream failures, and a request
 * that arrives while the gateway shuts down.
 */
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparableAnswer, type Answer } from './support/answers.js';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const SDK = resolve('plugin-sdk/index.ts');
const BODY_LIMIT_BYTES = Math.round(0.002 * 1024 * 1024);

/** Adds a response header on every call; answers trigger words with a verdict of that status, or a fault. */
const VERDICTS = `import { definePluginErrors } from ${JSON.stringify(SDK)};
  const E = definePluginErrors('DIFF', {
    BAD: { status: 400, type: 'invalid_request_error', message: 'bad: {why}', param: 'messages' },
    FORBIDDEN: { status: 403, type: 'permission_error', message: 'not for you' },
    SLOW_DOWN: { status: 429, type: 'rate_limit_error', message: 'slow down' },
    DOWN: { status: 503, type: 'service_unavailable', message: 'moderation is down' },
  });
  ${pluginSource(`return { preCall: async (c) => {
    c.responseHeaders = { ...(c.responseHeaders ?? {}), 'x-diff-plugin': 'added' };
    const text = JSON.stringify(c.body.messages ?? c.body.input ?? '');
    if (text.includes('verdict-400')) throw E.BAD({ why: 'asked for it' });
    if (text.includes('verdict-403')) throw E.FORBIDDEN();
    if (text.includes('verdict-429')) throw E.SLOW_DOWN({}, { headers: { 'retry-after': '7' } });
    if (text.includes('verdict-503')) throw E.DOWN();
    if (text.includes('plugin-crash')) throw new Error('the plugin broke');
  } };`)}`;

/** Rewrites plain answers and, by its streaming mode, every streamed chunk or the assembled stream. */
const rewrite = (streaming: 'chunk' | 'buffer') =>
  pluginSource(`return { postCall: {
    streaming: '${streaming}',
    response: async (rc) => { const m = rc.response.choices?.[0]?.message; if (m) m.content = '[rewritten] ' + m.content; rc.response.rewritten_by = '__ID__'; },
    chunk: async (cc) => { const d = cc.chunk.choices?.[0]?.delta; if (d && typeof d.content === 'string') d.content = d.content.toUpperCase(); },
  } };`);

let upstream: MockOpenAI;
let sluice: TestGateway;
let pluginDirs: string[];

function start(streaming: 'chunk' | 'buffer' = 'chunk'): Promise<TestGateway> {
  return startGateway(
    proxyConfig(upstream.url, { server: { body_limit_mb: 0.002 }, plugins: [{ use: 'diff-verdicts' }, { use: `diff-rewrite-${streaming}` }] } as never),
    { extraPluginDirs: pluginDirs },
  );
}

beforeAll(async () => {
  const root = tempDir('sluice-diff-plugins-');
  pluginDirs = [
    writeTestPlugin({ id: 'diff-verdicts', hooks: { preCall: { stage: 'GUARDRAIL' } }, source: VERDICTS }, root),
    ...(['chunk', 'buffer'] as const).map((streaming) =>
      writeTestPlugin({ id: `diff-rewrite-${streaming}`, hooks: { postCall: { stage: 'TRANSFORM', streaming } }, source: rewrite(streaming) }, root),
    ),
  ];
  upstream = await startMockOpenAI();
});

afterAll(async () => {
  await upstream?.close();
});

async function send(path: string, headers: Record<string, string>, body: string, chunked: boolean): Promise<Answer> {
  const res = await fetch(`${sluice.url}${path}`, {
    method: 'POST',
    headers,
    // A body of unknown length is never the fast path's: fastify answers it.
    body: chunked ? new Blob([body]).stream() : body,
    ...(chunked && { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

const json = { 'content-type': 'application/json' };
const auth = { ...json, authorization: `Bearer ${MASTER_KEY}` };
const ask = (content: string, extra: object = {}) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

describe.each(['chunk', 'buffer'] as const)('fast path and fastify path give the same answers (postCall streaming: %s)', (streaming) => {
  beforeAll(async () => {
    sluice = await start(streaming);
  });
  afterAll(async () => {
    await sluice?.close();
  });

  it.each([
    ['a chat completion, with the plugin header and the postCall rewrite', '/v1/chat/completions', auth, ask('hi')],
    ['a streamed chat completion, chunks rewritten', '/v1/chat/completions', auth, ask('hi', { stream: true })],
    ['an embedding', '/v1/embeddings', auth, JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' })],
    ['a 400 verdict', '/v1/chat/completions', auth, ask('verdict-400')],
    ['a 403 verdict', '/v1/chat/completions', auth, ask('verdict-403')],
    ['a 429 verdict with retry-after', '/v1/chat/completions', auth, ask('verdict-429')],
    ['a 503 verdict', '/v1/chat/completions', auth, ask('verdict-503')],
    ['a 503 verdict on a stream', '/v1/chat/completions', auth, ask('verdict-503', { stream: true })],
    ['a plugin fault (fail-closed)', '/v1/chat/completions', auth, ask('plugin-crash')],
    ['no key (401)', '/v1/chat/completions', json, ask('hi')],
    ['an unknown model', '/v1/chat/completions', auth, JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })],
    ['malformed JSON', '/v1/chat/completions', auth, '{"model": "gpt-4o-mini", "messages": ['],
    ['a body over the limit (413)', '/v1/chat/completions', auth, ask('x'.repeat(BODY_LIMIT_BYTES))],
    ['an upstream 500', '/v1/chat/completions', { ...auth, 'x-upstream': '500' }, ask('hi')],
    ['an upstream 429 with retry-after', '/v1/chat/completions', { ...auth, 'x-upstream': '429' }, ask('hi')],
    ['an upstream 500 on a stream', '/v1/chat/completions', { ...auth, 'x-upstream': '500' }, ask('hi', { stream: true })],
  ] as [string, string, Record<string, string>, string][])('%s', async (_name, path, headers, body) => {
    const failure = headers['x-upstream'];
    const answer = async (chunked: boolean) => {
      upstream.behaviour = failure
        ? { fail: { status: Number(failure), body: { error: { message: `upstream ${failure}` } }, headers: failure === '429' ? { 'retry-after': '3' } : {} } }
        : {};
      try {
        return await send(path, headers, body, chunked);
      } finally {
        upstream.behaviour = {};
      }
    };
    const fast = await answer(false);
    const slow = await answer(true);
    expect(comparableAnswer(fast)).toEqual(comparableAnswer(slow));
    if (fast.status === 200 && path === '/v1/chat/completions') {
      expect(fast.headers['x-diff-plugin']).toBe('added');
      expect(fast.body).toMatch(body.includes('"stream":true') && streaming === 'chunk' ? /"content":"[A-Z]/ : /\[rewritten\]/);
    }
  });
});

/** One raw HTTP/1.1 exchange whose request line and headers are finished only when `go` resolves. */
async function rawExchange(port: number, head: string, body: string, go: Promise<void>): Promise<Answer> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((r, reject) => socket.once('connect', r).once('error', reject));
  // The request has begun: the connection is not idle, so closing the server does not drop it.
  socket.write(head.slice(0, 10));
  await go;
  socket.write(head.slice(10) + body);
  const raw = await new Promise<string>((r) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => r(text));
    socket.on('end', () => r(text));
  });
  socket.destroy();
  const [top, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = top!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let payload = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') payload = dechunk(payload);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: payload };
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

describe('a request that arrives while the gateway shuts down', () => {
  it('gets the same 503 both ways', async () => {
    const gw = await start();
    const port = Number(new URL(gw.url).port);
    const body = ask('hi');
    let go!: () => void;
    const closing = new Promise<void>((r) => (go = r));
    const request = (framing: string) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nConnection: close\r\n${framing}\r\n`;
    const fast = rawExchange(port, request(`Content-Length: ${Buffer.byteLength(body)}\r\n`), body, closing);
    const slow = rawExchange(port, request('Transfer-Encoding: chunked\r\n'), `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`, closing);
    await new Promise((r) => setTimeout(r, 50));
    const closed = gw.close();
    await new Promise((r) => setTimeout(r, 20));
    go();
    const [a, b] = await Promise.all([fast, slow]);
    await closed;
    expect(a.status).toBe(503);
    expect(comparableAnswer(a)).toEqual(comparableAnswer(b));
  });
});
