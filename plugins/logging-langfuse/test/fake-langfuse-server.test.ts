/**
 * The fake Langfuse server, proven with the official `langfuse` npm client before the plugin is
 * tested against it: the client's traces and generations arrive with its basic-auth keys, the
 * client reads a 207 with errors as a failure and retries, and the fake's 503 mode and its
 * validation behave as Langfuse's ingestion API.
 */
import { Langfuse } from 'langfuse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLangfuse, type FakeLangfuse } from './fake-langfuse-server.js';

let fake: FakeLangfuse;
beforeAll(async () => {
  fake = await startFakeLangfuse();
});
afterAll(async () => {
  await fake.close();
});

const client = (extra: Record<string, unknown> = {}) =>
  new Langfuse({ publicKey: 'pk-lf-sdk', secretKey: 'sk-lf-sdk', baseUrl: fake.url, flushAt: 100, flushInterval: 60_000, fetchRetryDelay: 10, ...extra });

describe('fake Langfuse driven by the official langfuse client', () => {
  it('receives the client’s trace-create and generation-create events with its keys', async () => {
    const lf = client();
    const trace = lf.trace({ id: 'trace-sdk-1', name: 'sdk-trace', userId: 'u1', sessionId: 's1', tags: ['a'] });
    trace.generation({ id: 'gen-sdk-1', name: 'sdk-gen', model: 'gpt-4o-mini', input: [{ role: 'user', content: 'hi' }], output: 'hello', usage: { input: 3, output: 2 } });
    await lf.flushAsync();
    await lf.shutdownAsync();
    const mine = fake.events.filter((e) => e.body.body.traceId === 'trace-sdk-1' || e.body.body.id === 'trace-sdk-1');
    expect(mine.map((e) => e.body.type).sort()).toEqual(['generation-create', 'trace-create']);
    expect(mine.every((e) => e.auth.publicKey === 'pk-lf-sdk' && e.auth.secretKey === 'sk-lf-sdk')).toBe(true);
    const trace0 = mine.find((e) => e.body.type === 'trace-create')!.body.body;
    expect(trace0).toMatchObject({ id: 'trace-sdk-1', name: 'sdk-trace', userId: 'u1', sessionId: 's1', tags: ['a'] });
    const gen = mine.find((e) => e.body.type === 'generation-create')!.body.body;
    expect(gen).toMatchObject({ id: 'gen-sdk-1', traceId: 'trace-sdk-1', model: 'gpt-4o-mini', output: 'hello' });
    // The request metadata the SDK sends along with the batch.
    const req = fake.requests.at(-1)!;
    expect(req.headers['x-langfuse-public-key']).toBe('pk-lf-sdk');
    expect((req.body as { metadata?: { public_key?: string } }).metadata?.public_key).toBe('pk-lf-sdk');
  });

  it('a 207 with a failed event is an error for the client, which sends the batch again', async () => {
    const lf = client();
    const errors: unknown[] = [];
    lf.on('error', (e) => errors.push(e));
    fake.failNextEvents(1, 500);
    const before = fake.requests.length;
    lf.trace({ id: 'trace-sdk-retry', name: 'retry' });
    await lf.flushAsync();
    await lf.shutdownAsync();
    expect(fake.requests.length - before).toBeGreaterThanOrEqual(2);
    expect(fake.events.filter((e) => e.body.body.id === 'trace-sdk-retry')).toHaveLength(1);
  });

  it('down: the client gets 503 and nothing is recorded; back up: delivered', async () => {
    fake.setDown(true);
    const lf = client({ fetchRetryCount: 0 });
    lf.on('error', () => undefined);
    lf.trace({ id: 'trace-sdk-down', name: 'down' });
    await lf.flushAsync().catch(() => undefined);
    expect(fake.events.some((e) => e.body.body.id === 'trace-sdk-down')).toBe(false);
    fake.setDown(false);
    lf.trace({ id: 'trace-sdk-up', name: 'up' });
    await lf.flushAsync();
    await lf.shutdownAsync();
    expect(fake.events.some((e) => e.body.body.id === 'trace-sdk-up')).toBe(true);
  });

  it('answers like Langfuse: 401 without basic auth, 207 with a 400 error for an invalid event, health without auth', async () => {
    const noAuth = await fetch(`${fake.url}/api/public/ingestion`, { method: 'POST', body: '{"batch":[]}', headers: { 'content-type': 'application/json' } });
    expect(noAuth.status).toBe(401);
    const auth = `Basic ${Buffer.from('pk:sk').toString('base64')}`;
    const res = await fetch(`${fake.url}/api/public/ingestion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ batch: [{ id: 'ok', type: 'trace-create', timestamp: new Date().toISOString(), body: { id: 't' } }, { id: 'bad', type: 'generation-create', timestamp: new Date().toISOString(), body: {} }] }),
    });
    expect(res.status).toBe(207);
    const answer = (await res.json()) as { successes: Array<{ id: string }>; errors: Array<{ id: string; status: number }> };
    expect(answer.successes.map((s) => s.id)).toEqual(['ok']);
    expect(answer.errors).toMatchObject([{ id: 'bad', status: 400 }]);
    expect((await fetch(`${fake.url}/api/public/health`)).status).toBe(200);
  });
});
