/**
 * Two gateways on one Postgres and one Redis: a user deactivated through SCIM on instance A has
 * its keys refused on instance B within 1 s (each key goes through /key/block, whose cache
 * invalidation is published to every instance), and admitted again after reactivation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { scimClient, scimConfig, type Reply } from './scim-client.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Polls `call` until it answers `status`, for at most 1 s; the last answer and how long it took. */
async function within1s(call: () => Promise<Reply>, status: number): Promise<{ reply: Reply; ms: number }> {
  const start = Date.now();
  let reply = await call();
  while (reply.status !== status && Date.now() - start < 1_000) {
    await new Promise((r) => setTimeout(r, 20));
    reply = await call();
  }
  return { reply, ms: Date.now() - start };
}

describe.skipIf(!backends.postgres || !backends.redis)(`SCIM deactivation across instances on Postgres + Redis (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const scimA = scimClient(() => a);
  const scimB = scimClient(() => b);

  beforeAll(async () => {
    schema = await createPostgresSchema(backends.postgres!);
    const env = { DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    a = await startGateway(scimConfig(), { env });
    b = await startGateway(scimConfig(), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('PATCH active false on A: the user\'s keys are refused on B within 1 s; active true admits them again', async () => {
    expect((await scimA.send('POST', '/scim/v2/Users', { userName: 'x-user@example.com', emails: [{ value: 'x-user@example.com' }] })).status).toBe(201);
    const keys = [(await scimA.admin('POST', '/key/generate', { user_id: 'x-user@example.com' })).key, (await scimA.admin('POST', '/key/generate', { user_id: 'x-user@example.com' })).key] as string[];
    for (const k of keys) expect((await scimB.chat(k)).status).toBe(200); // cached on B

    const off = await scimA.send('PATCH', '/scim/v2/Users/x-user@example.com', { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] });
    expect(off.status, off.text).toBe(200);
    for (const k of keys) {
      const { reply, ms } = await within1s(() => scimB.chat(k), 401);
      expect(reply.status, `refused on B after ${ms} ms`).toBe(401);
      expect(reply.json.error.message).toContain('Key is blocked');
    }
    expect((await scimB.get('/scim/v2/Users/x-user@example.com')).json.active).toBe(false);

    const on = await scimA.send('PATCH', '/scim/v2/Users/x-user@example.com', { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: true }] });
    expect(on.status).toBe(200);
    for (const k of keys) expect((await within1s(() => scimB.chat(k), 200)).reply.status).toBe(200);
  });

  it('PUT with active false on A (Okta) blocks on B within 1 s too', async () => {
    expect((await scimA.send('POST', '/scim/v2/Users', { userName: 'y-user', emails: [{ value: 'y-user@example.com' }] })).status).toBe(201);
    const key = (await scimA.admin('POST', '/key/generate', { user_id: 'y-user' })).key as string;
    expect((await scimB.chat(key)).status).toBe(200);
    const put = await scimA.send('PUT', '/scim/v2/Users/y-user', { userName: 'y-user', emails: [{ value: 'y-user@example.com' }], active: false });
    expect(put.status, put.text).toBe(200);
    const { reply, ms } = await within1s(() => scimB.chat(key), 401);
    expect(reply.status, `refused on B after ${ms} ms`).toBe(401);
  });
});
