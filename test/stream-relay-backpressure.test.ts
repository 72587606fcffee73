/**
 * A stream relayed to a slow reader waits for 'drain' many times; each wait must take its listeners
 * off the response again. `Promise.race` of two `events.once` left the losing 'close' listener (and
 * an 'error' one) behind after every drain: one pair per wait piled up until the stream ended
 * (MaxListenersExceededWarning in the cost-curve benchmark at 10,000 chunks).
 */
import { request } from 'node:http';
import { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
let sluice: TestGateway;

beforeAll(async () => {
  // ~6 MB of chunks, written by the mock in one go: more than the sockets buffer, so the relay waits.
  upstream = await startMockOpenAI({ reply: Array.from({ length: 3000 }, (_, i) => `${i}${'x'.repeat(2000)}`).join(' ') });
  sluice = await startGateway(proxyConfig(upstream.url));
});
afterAll(async () => {
  await sluice?.close();
  await upstream?.close();
});

/** Streams through the gateway into a reader that takes a while per read; resolves with the bytes read. */
function slowStream(): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${sluice.url}/v1/chat/completions`);
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' } }, (res) => {
      let bytes = 0;
      const sink = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          setTimeout(done, 1);
        },
      });
      res.pipe(sink).on('finish', () => resolve(bytes)).on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
}

it('a long stream to a slow reader keeps a bounded number of listeners on the response', async () => {
  const port = Number(new URL(sluice.url).port);
  const write = ServerResponse.prototype.write;
  let waits = 0;
  let mostClose = 0;
  let mostError = 0;
  // The gateway's responses only (the mock upstream runs in this process too): read the listener
  // counts at every write, and count the writes that asked the relay to wait.
  ServerResponse.prototype.write = function (this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    const ok = write.apply(this, args);
    if (this.socket?.localPort === port) {
      if (!ok) waits++;
      mostClose = Math.max(mostClose, this.listenerCount('close'));
      mostError = Math.max(mostError, this.listenerCount('error'));
    }
    return ok;
  } as ServerResponse['write'];
  try {
    expect(await slowStream()).toBeGreaterThan(6_000_000);
  } finally {
    ServerResponse.prototype.write = write;
  }
  expect(waits).toBeGreaterThan(20);
  expect(mostClose).toBeLessThanOrEqual(5);
  expect(mostError).toBeLessThanOrEqual(5);
}, 60_000);
