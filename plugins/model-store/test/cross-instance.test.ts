/**
 * Two gateways on one Postgres: a model added, changed or deleted on A serves (or stops) on B
 * within 1 s: through Redis pub/sub when Redis is configured, through the polled version row
 * when it is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

const MASTER = 'sk-1234';

async function send(g: TestGateway, method: string, path: string, body?: unknown) {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${MASTER}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const chat = (g: TestGateway, model: string) => send(g, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });

/** Calls `call` until it answers `status`, for at most 1 s; the last answer. */
async function within1s(call: () => Promise<{ status: number }>, status: number) {
  const start = Date.now();
  let last = await call();
  while (last.status !== status && Date.now() - start < 1_000) {
    await new Promise((r) => setTimeout(r, 20));
    last = await call();
  }
  return last;
}

const variants = [
  { name: 'polling only (no Redis)', redis: false, skip: backends.skipReason.postgres },
  { name: 'with Redis pub/sub', redis: true, skip: backends.skipReason.postgres ?? backends.skipReason.redis },
];

for (const v of variants) {
  describe.skipIf(v.skip)(`models across instances on Postgres, ${v.name}`, () => {
    let a: TestGateway;
    let b: TestGateway;
    let upstream: MockOpenAI;
    let schema: Awaited<ReturnType<typeof createPostgresSchema>>;

    beforeAll(async () => {
      upstream = await startMockOpenAI();
      schema = await createPostgresSchema(backends.postgres!);
      const env = { DATABASE_URL: schema.url, LITELLM_SALT_KEY: 'cross-instance-salt', ...(v.redis && { REDIS_URL: backends.redis! }) };
      const config = { model_list: [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url, api_key: 'sk-x' } }], general_settings: { master_key: MASTER, store_model_in_db: true } };
      a = await startGateway(config as never, { env });
      b = await startGateway(config as never, { env });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await schema?.drop();
      await upstream?.close();
    });

    it('a model added on A serves on B within 1 s', async () => {
      expect((await chat(b, 'shared-model')).status).toBe(400);
      const added = await send(a, 'POST', '/model/new', { model_name: 'shared-model', litellm_params: { model: 'openai/m', api_base: upstream.url, api_key: 'sk-db-key' }, model_info: { id: 'shared-1' } });
      expect(added.status).toBe(200);
      expect((await within1s(() => chat(b, 'shared-model'), 200)).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-db-key');
    });

    it('a change on A applies on B within 1 s', async () => {
      expect((await send(a, 'PATCH', '/model/shared-1/update', { litellm_params: { api_key: 'sk-rotated-key' } })).status).toBe(200);
      const start = Date.now();
      let seen = '';
      while (Date.now() - start < 1_000) {
        await chat(b, 'shared-model');
        seen = String(upstream.requests.at(-1)!.headers.authorization);
        if (seen === 'Bearer sk-rotated-key') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toBe('Bearer sk-rotated-key');
    });

    it('a model deleted on A stops serving on B within 1 s', async () => {
      expect((await send(a, 'POST', '/model/delete', { id: 'shared-1' })).status).toBe(200);
      expect((await within1s(() => chat(b, 'shared-model'), 400)).status).toBe(400);
      expect((await chat(b, 'gpt-4')).status).toBe(200);
    });
  });
}
