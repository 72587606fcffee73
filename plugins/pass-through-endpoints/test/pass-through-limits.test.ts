/**
 * Limits on `auth: true` pass-through endpoints, as LiteLLM's pre-call hooks apply them: a key's
 * rpm_limit and max_parallel_requests, and key and team budgets fed by cost_per_request, refuse
 * the request before anything reaches the target; a parallel slot is given back when the request
 * ends, however it ends. On SQLite with in-process counters, and on Postgres with Redis.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { sendJson, startFakeUpstream, type FakeUpstream, type Reply } from '../../../test/support/fake-upstream.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

interface Backend {
  name: string;
  skip?: string;
  env(): Promise<Record<string, string>>;
}

const BACKENDS: Backend[] = [
  { name: 'SQLite, in-process counters', env: async () => ({ DATABASE_URL: `sqlite:${tempDir()}/sluice.db` }) },
  {
    name: 'Postgres + Redis',
    skip: backends.skipReason.postgres ?? backends.skipReason.redis,
    async env() {
      const schema = await createPostgresSchema(backends.postgres!);
      closers.push(() => schema.drop());
      return { DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    },
  },
];

async function upstream(reply: Reply = (_req, res) => sendJson(res, 200, { ok: true })): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(reply);
  closers.push(() => fake.close());
  return fake;
}

async function gateway(backend: Backend, endpoints: Record<string, unknown>[]): Promise<TestGateway> {
  // A short shutdown drain: the test client's sockets left after an aborted fetch would hold it for the default 30 s.
  const gw = await startGateway({ model_list: [], server: { shutdown_timeout_ms: 1_000 }, general_settings: { master_key: MASTER_KEY, pass_through_endpoints: endpoints } }, { env: await backend.env() });
  closers.push(() => gw.close());
  return gw;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function admin<T>(gw: TestGateway, path: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const generateKey = async (gw: TestGateway, body: Record<string, unknown>) => (await admin<{ key: string }>(gw, '/key/generate', body)).key;

async function call(gw: TestGateway, key: string, path = '/pt', init: RequestInit = {}): Promise<{ status: number; message: string }> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', body: '{"model":"bria-2.3","prompt":"a cat"}', ...init, headers: { ...bearer(key), 'content-type': 'application/json' } });
  const text = await res.text();
  let message = '';
  try {
    message = String((JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '');
  } catch {
    /* a relayed non-JSON answer */
  }
  return { status: res.status, message };
}

/** Retries an assertion until it holds (spend and slots settle off the request path), up to 10 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A target that, while `hold` is set, keeps each request waiting until the test lets it answer. */
function heldTarget() {
  const held: ServerResponse[] = [];
  let arrived: (() => void) | undefined;
  const t = {
    hold: true,
    held,
    reply: ((_req, res) => {
      if (!t.hold) return sendJson(res, 200, { ok: true });
      held.push(res);
      arrived?.();
    }) as Reply,
    nextArrival: () => new Promise<void>((resolve) => (arrived = resolve)),
    releaseAll: () => {
      for (const res of held.splice(0)) if (!res.writableEnded) sendJson(res, 200, { ok: true });
    },
  };
  return t;
}

describe.each(BACKENDS)('pass-through limits ($name)', (backend) => {
  const run = backend.skip ? it.skip : it;

  run('a key with rpm_limit 0 gets 429 and the target sees nothing; on a public endpoint it is not limited', async () => {
    const target = await upstream();
    const gw = await gateway(backend, [
      { path: '/pt', target: `${target.url}/v1/x`, auth: true },
      { path: '/open', target: `${target.url}/open` },
    ]);
    const key = await generateKey(gw, { rpm_limit: 0 });
    const refused = await call(gw, key);
    expect(refused.status).toBe(429);
    expect(refused.message).toContain('Rate limit');
    expect(target.requests).toHaveLength(0);
    expect((await call(gw, key, '/open')).status).toBe(200);
    expect(target.requests.map((r) => r.pathname)).toEqual(['/open']);
  });

  run('max_parallel_requests 1: a second concurrent call gets 429; the slot is released when the first ends, and when its client goes away', async () => {
    const slow = heldTarget();
    const target = await upstream(slow.reply);
    const gw = await gateway(backend, [{ path: '/pt', target: `${target.url}/slow`, auth: true }]);
    const key = await generateKey(gw, { max_parallel_requests: 1 });

    // First call held by the target; the second is refused meanwhile.
    const reached = slow.nextArrival();
    const first = call(gw, key);
    await reached;
    const second = await call(gw, key);
    expect(second.status).toBe(429);
    expect(target.requests).toHaveLength(1);
    slow.releaseAll();
    expect((await first).status).toBe(200);

    // Released once the first answered (settled off the request path): the next call goes through.
    slow.hold = false;
    await eventually(async () => expect((await call(gw, key)).status).toBe(200));

    // A call whose client goes away while the target holds it gives its slot back too.
    slow.hold = true;
    const reachedAgain = slow.nextArrival();
    const aborter = new AbortController();
    const gone = fetch(`${gw.url}/pt`, { method: 'POST', body: '{}', headers: bearer(key), signal: aborter.signal }).catch(() => undefined);
    await reachedAgain;
    expect((await call(gw, key)).status).toBe(429);
    aborter.abort();
    await gone;
    slow.hold = false;
    await eventually(async () => expect((await call(gw, key)).status).toBe(200));
  });

  run('cost_per_request counts into the key’s max_budget: once spent, the next call is refused with LiteLLM’s budget error', async () => {
    const target = await upstream();
    const gw = await gateway(backend, [{ path: '/pt', target: `${target.url}/img`, auth: true, cost_per_request: 0.4 }]);
    const key = await generateKey(gw, { key_alias: 'pt-budget', max_budget: 1 });
    for (let i = 0; i < 3; i++) expect((await call(gw, key)).status).toBe(200);
    let refused = { status: 0, message: '' };
    await eventually(async () => {
      refused = await call(gw, key);
      expect(refused.status).toBe(400);
    });
    expect(refused.message).toBe('Budget has been exceeded! Key=pt-budget Current cost: 1.2, Max budget: 1');
    expect(target.requests).toHaveLength(3);
  });

  run('cost_per_request counts into the team’s max_budget: every key of the team is refused once it is spent', async () => {
    const target = await upstream();
    const gw = await gateway(backend, [{ path: '/pt', target: `${target.url}/img`, auth: true, cost_per_request: 0.5 }]);
    const { team_id } = await admin<{ team_id: string }>(gw, '/team/new', { team_alias: 'pt-team', max_budget: 1 });
    const [a, b] = [await generateKey(gw, { team_id }), await generateKey(gw, { team_id })];
    expect((await call(gw, a)).status).toBe(200);
    expect((await call(gw, b)).status).toBe(200);
    let refused = { status: 0, message: '' };
    await eventually(async () => {
      refused = await call(gw, a);
      expect(refused.status).toBe(400);
    });
    expect(refused.message).toBe(`Budget has been exceeded! Team=${team_id} Current cost: 1, Max budget: 1`);
    expect((await call(gw, b)).status).toBe(400);
    expect(target.requests).toHaveLength(2);
  });
});
