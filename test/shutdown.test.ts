/**
 * Graceful shutdown: what an operator notices when they stop Sluice (SIGTERM calls gateway.close()).
 * Streams in flight finish, nobody new gets in, and no spend event queued for observers is lost.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

interface RecordedSpend {
  requestId: string;
  status: string;
  httpStatus: number;
  stream: boolean;
  totalTokens: number;
  deliveredAt: number;
}

const spendLog = globalThis as unknown as { __spendEvents?: RecordedSpend[] };

const OBSERVER_DELAY_MS = 200;
const REPLY = 'one two three four five six seven eight nine ten';

/**
 * A plugin folder, as an operator would install one: a manifest and plain ESM. Its slow onSpend
 * observer records what it received in a process-wide array the test reads.
 */
function writeSpendRecorderPlugin(): string {
  const dir = tempDir('sluice-spend-recorder-');
  writeFileSync(
    join(dir, 'plugin.json'),
    JSON.stringify({
      id: 'test-spend-recorder',
      version: '1.0.0',
      apiVersion: '^2',
      description: 'Records spend events (shutdown test).',
      main: 'index.mjs',
      hooks: { onSpend: { stage: 'OBSERVE' } },
    }),
  );
  writeFileSync(
    join(dir, 'index.mjs'),
    `const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export default {
  id: 'test-spend-recorder',
  version: '1.0.0',
  apiVersion: '^2',
  setup() {
    return {
      async onSpend(event) {
        await sleep(${OBSERVER_DELAY_MS});
        (globalThis.__spendEvents ??= []).push({
          requestId: event.requestId,
          status: event.status,
          httpStatus: event.httpStatus,
          stream: event.stream,
          totalTokens: event.usage.total_tokens,
          deliveredAt: Date.now(),
        });
      },
    };
  },
};
`,
  );
  return dir;
}

const chatRequest = (stream: boolean) => ({
  method: 'POST',
  headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'count to ten' }] }),
});

/** Whether a brand-new TCP connection to the gateway's port is refused. */
function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Text of every `content` delta of an OpenAI chat stream. */
function streamedText(sse: string): string {
  let text = '';
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
    text += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

describe('graceful shutdown', () => {
  let mock: MockOpenAI;
  let gw: TestGateway | undefined;

  beforeEach(async () => {
    spendLog.__spendEvents = [];
    mock = await startMockOpenAI({ chunkDelayMs: 100, reply: REPLY });
  });

  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await mock.close();
  });

  it('lets a stream in flight finish, refuses new connections, and resolves close() only after the stream ended', async () => {
    gw = await startGateway(proxyConfig(mock.url, { plugins: [{ use: 'test-spend-recorder' }] }), { extraPluginDirs: [writeSpendRecorderPlugin()] });
    const { gateway, url } = gw;

    const res = await fetch(`${url}/v1/chat/completions`, chatRequest(true));
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let sse = '';
    // Wait for the first word so the stream is really in flight (9 words and ~1 s still to come).
    while (!sse.includes('"content"')) {
      const { value, done } = await reader.read();
      if (done) break;
      sse += decoder.decode(value, { stream: true });
    }
    expect(sse).not.toContain('[DONE]');

    let streamEndedAt: number | undefined;
    let closeResolvedAt: number | undefined;
    const closing = gateway.close().then(() => {
      closeResolvedAt = Date.now();
    });

    // Once close has begun, the port no longer takes connections.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await connectionRefused(url)).toBe(true);

    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      sse += decoder.decode(value, { stream: true });
    }
    streamEndedAt = Date.now();

    expect(streamedText(sse)).toBe(REPLY);
    expect(sse.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(closeResolvedAt).toBeUndefined(); // still draining while the stream ran

    await closing;
    expect(closeResolvedAt!).toBeGreaterThanOrEqual(streamEndedAt);

    // The stream's spend event reached the observer before close() resolved.
    expect(spendLog.__spendEvents).toEqual([
      expect.objectContaining({ requestId, status: 'success', httpStatus: 200, stream: true, totalTokens: 12 }),
    ]);
  });

  it('returns from close() promptly once the last stream ended, though the client keeps its connection alive', async () => {
    // SDK clients pool keep-alive sockets for a minute or more; the operator's SIGTERM must not wait
    // for them (nor for shutdown_timeout_ms) once nothing is in flight any more.
    gw = await startGateway(proxyConfig(mock.url, { server: { shutdown_timeout_ms: 5_000 } }));
    const { gateway, url } = gw;
    const pool = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    try {
      const res = await undiciFetch(`${url}/v1/chat/completions`, { ...chatRequest(true), dispatcher: pool });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read(); // in flight

      const closing = gateway.close();
      let sse = '';
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        sse += decoder.decode(value, { stream: true });
      }
      const streamEndedAt = Date.now();
      expect(sse).toContain('data: [DONE]');

      await closing;
      expect(Date.now() - streamEndedAt).toBeLessThan(2_000);
      expect(gw.logs.join('\n')).not.toContain('shutdown timeout');
    } finally {
      await pool.destroy();
    }
  });

  it('delivers the spend events of requests that finished just before close() to a slow onSpend observer', async () => {
    gw = await startGateway(proxyConfig(mock.url, { plugins: [{ use: 'test-spend-recorder' }] }), { extraPluginDirs: [writeSpendRecorderPlugin()] });
    const { gateway, url } = gw;

    const responses = await Promise.all([1, 2, 3].map(() => fetch(`${url}/v1/chat/completions`, chatRequest(false))));
    const ids: string[] = [];
    for (const r of responses) {
      expect(r.status).toBe(200);
      const body = (await r.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]!.message.content).toBe(REPLY);
      ids.push(r.headers.get('x-request-id')!);
    }

    const closeStartedAt = Date.now();
    // The observer sleeps 200 ms per event: none can have been recorded yet.
    expect(spendLog.__spendEvents).toHaveLength(0);
    await gateway.close();
    const closedAt = Date.now();

    const events = spendLog.__spendEvents!;
    expect(events.map((e) => e.requestId).sort()).toEqual([...ids].sort());
    for (const e of events) {
      expect(e).toMatchObject({ status: 'success', httpStatus: 200, stream: false, totalTokens: 12 });
      expect(e.deliveredAt).toBeLessThanOrEqual(closedAt);
    }
    expect(closedAt - closeStartedAt).toBeGreaterThanOrEqual(OBSERVER_DELAY_MS - 20);
  });
});
