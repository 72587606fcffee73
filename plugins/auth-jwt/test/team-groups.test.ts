/**
 * team_ids_jwt_field (IdP groups): the call goes to the team x-litellm-team-id names (one of the
 * token's), else to the first team of the list that exists and is not blocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { jwksServer, sign, signingKey, type JwksServer, type SigningKey } from './issuer.js';

let gw: TestGateway;
let idp: JwksServer;
let key: SigningKey;

async function send(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const chat = (token: string, model: string, headers: Record<string, string> = {}) => send('POST', '/v1/chat/completions', token, { model, messages: [{ role: 'user', content: 'hi' }] }, headers);

beforeAll(async () => {
  key = await signingKey('k1');
  idp = await jwksServer([key]);
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'g-model', litellm_params: { model: 'fake/g' } },
        { model_name: 'h-model', litellm_params: { model: 'fake/h' } },
      ],
      general_settings: { master_key: MASTER_KEY, enable_jwt_auth: true, litellm_jwtauth: { team_ids_jwt_field: 'groups' } },
    } as never,
    { env: { JWT_PUBLIC_KEY_URL: idp.url } },
  );
  for (const [team_id, models] of [['team-blocked', ['g-model', 'h-model']], ['team-g', ['g-model']], ['team-h', ['h-model']]] as const) {
    expect((await send('POST', '/team/new', MASTER_KEY, { team_id, models })).status).toBe(200);
  }
  await send('POST', '/team/block', MASTER_KEY, { team_id: 'team-blocked' });
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

describe('team_ids_jwt_field', () => {
  const groups = ['ghost-team', 'team-blocked', 'team-g', 'team-h'];

  it('without a header: the first team that exists and is not blocked (team-g)', async () => {
    const t = await sign(key, { sub: 'svc', groups });
    expect((await chat(t, 'g-model')).status).toBe(200);
    const refused = await chat(t, 'h-model');
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toContain('Team=team-g');
  });

  it('x-litellm-team-id picks another of the token’s teams', async () => {
    const t = await sign(key, { sub: 'svc', groups });
    expect((await chat(t, 'h-model', { 'x-litellm-team-id': 'team-h' })).status).toBe(200);
  });

  it('x-litellm-team-id naming a team outside the token is refused (403)', async () => {
    const t = await sign(key, { sub: 'svc', groups: ['team-g'] });
    const reply = await chat(t, 'h-model', { 'x-litellm-team-id': 'team-h' });
    expect(reply.status).toBe(403);
    expect(reply.json.error.message).toBe("x-litellm-team-id 'team-h' does not resolve to a team id or a unique team alias in your JWT's allowed teams. Allowed team ids: ['team-g']");
  });
});
