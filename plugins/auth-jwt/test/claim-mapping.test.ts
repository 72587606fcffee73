/**
 * A token's claims mapped onto LiteLLM's records (litellm_jwtauth): team (dot path, default,
 * upsert), user (upsert with email), organization, end user; spend and limits attach to them as
 * for a virtual key; the admin scope and LiteLLM's route rules; a JWT and a virtual key side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { AUDIENCE, ISSUER, jwksServer, sign, signingKey, until, type JwksServer, type SigningKey } from './issuer.js';

let gw: TestGateway;
let idp: JwksServer;
let key: SigningKey;

interface Reply {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function send(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
const chat = (token: string, model = 'a', headers: Record<string, string> = {}) => send('POST', '/v1/chat/completions', token, { model, messages: [{ role: 'user', content: 'hello' }] }, headers);
const admin = (method: string, path: string, body?: unknown) => send(method, path, MASTER_KEY, body);
const token = (claims: Record<string, unknown>) => sign(key, claims);

beforeAll(async () => {
  key = await signingKey('k1');
  idp = await jwksServer([key]);
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'a', litellm_params: { model: 'fake/a', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
        { model_name: 'b', litellm_params: { model: 'fake/b' } },
      ],
      general_settings: {
        master_key: MASTER_KEY,
        enable_jwt_auth: true,
        litellm_jwtauth: {
          user_id_jwt_field: 'sub',
          user_email_jwt_field: 'email',
          user_id_upsert: true,
          team_id_jwt_field: 'app.team',
          team_id_default: 'default-team',
          org_id_jwt_field: 'org',
          end_user_id_jwt_field: 'customer',
        },
      },
    } as never,
    { env: { JWT_PUBLIC_KEY_URL: idp.url, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER } },
  );
  expect((await admin('POST', '/organization/new', { organization_id: 'org-1' })).status).toBe(200);
  expect((await admin('POST', '/team/new', { team_id: 'team-1', organization_id: 'org-1', models: ['a'] })).status).toBe(200);
  expect((await admin('POST', '/team/new', { team_id: 'default-team' })).status).toBe(200);
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

const spendOf = async (path: string, pick: (json: any) => number) => pick((await admin('GET', path)).json); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('claims → user, team, organization, end user', () => {
  it('the LiteLLM settings are all read: no startup warning about them', () => {
    expect(gw.gateway.warnings.filter((w) => /jwt/i.test(w))).toEqual([]);
  });

  it('a call is billed to the token’s team (dot path), user (created with its email), organization and end user', async () => {
    const t = await token({ sub: 'alice', email: 'alice@example.com', app: { team: 'team-1' }, org: 'org-1', customer: 'cust-1' });
    const reply = await chat(t);
    expect(reply.status).toBe(200);
    // The user was created on first sight (user_id_upsert) and joined the team.
    const user = await admin('GET', '/user/info?user_id=alice');
    expect(user.status).toBe(200);
    expect(user.json.user_info).toMatchObject({ user_id: 'alice', user_email: 'alice@example.com' });
    expect(await until(async () => (await spendOf('/team/info?team_id=team-1', (j) => j.team_info.spend)) > 0)).toBe(true);
    expect(await until(async () => (await spendOf('/user/info?user_id=alice', (j) => j.user_info.spend)) > 0)).toBe(true);
    expect(await until(async () => (await spendOf('/organization/info?organization_id=org-1', (j) => j.spend)) > 0)).toBe(true);
    expect(await until(async () => (await spendOf('/customer/info?end_user_id=cust-1', (j) => j.spend)) > 0)).toBe(true);
    const teamSpend = await spendOf('/team/info?team_id=team-1', (j) => j.team_info.spend);
    expect(teamSpend).toBeCloseTo(await spendOf('/user/info?user_id=alice', (j) => j.user_info.spend), 9);
  });

  it('the call is in the spend logs under the team and user', async () => {
    const ok = await until(async () => {
      const logs = await admin('GET', '/spend/logs?team_id=team-1');
      return Array.isArray(logs.json) && logs.json.some((row: { user?: string; team_id?: string }) => row.team_id === 'team-1');
    });
    expect(ok).toBe(true);
  });

  it('a token without the team claim is billed to team_id_default', async () => {
    expect((await chat(await token({ sub: 'bob' }))).status).toBe(200);
    expect(await until(async () => (await spendOf('/team/info?team_id=default-team', (j) => j.team_info.spend)) > 0)).toBe(true);
  });

  it('the team’s models apply: a model outside them is refused as for the team’s keys', async () => {
    const reply = await chat(await token({ sub: 'alice', app: { team: 'team-1' } }), 'b');
    expect(reply.status).toBe(401);
    expect(reply.json.error.message).toContain('Team not allowed to access model. Team=team-1');
  });

  it('a team that does not exist is refused (team_id_upsert is off)', async () => {
    const reply = await chat(await token({ sub: 'alice', app: { team: 'ghost-team' } }));
    expect(reply.status).toBe(401);
    expect(reply.json.error.message).toBe("Authentication Error, Team doesn't exist in db. Team=ghost-team. Create team via `/team/new` call.");
  });

  it('a blocked team is refused at once, and admitted again after unblock', async () => {
    await admin('POST', '/team/new', { team_id: 'team-blk' });
    const t = await token({ sub: 'carol', app: { team: 'team-blk' } });
    expect((await chat(t)).status).toBe(200);
    await admin('POST', '/team/block', { team_id: 'team-blk' });
    const refused = await chat(t);
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toBe("Authentication Error, Team=team-blk is blocked. Update via `/team/unblock` if you're an admin.");
    await admin('POST', '/team/unblock', { team_id: 'team-blk' });
    expect((await chat(t)).status).toBe(200);
  });

  it('the team’s budget applies to JWT calls', async () => {
    await admin('POST', '/team/new', { team_id: 'team-broke', max_budget: 0.0000001 });
    const t = await token({ sub: 'dave', app: { team: 'team-broke' } });
    await chat(t); // spends past the budget
    const refused = await until(async () => (await chat(t)).status === 400, 8_000);
    expect(refused).toBe(true);
    expect((await chat(t)).json.error.message).toContain('Budget has been exceeded! Team=team-broke');
  });

  it('a blocked end user is refused', async () => {
    await admin('POST', '/customer/new', { user_id: 'cust-blocked' });
    await admin('POST', '/customer/block', { user_ids: ['cust-blocked'] });
    const reply = await chat(await token({ sub: 'alice', app: { team: 'team-1' }, customer: 'cust-blocked' }));
    expect(reply.json.error.message).toBe('User blocked from making LLM API Calls. User=cust-blocked');
  });

  it('a team token may not call management routes (team_allowed_routes)', async () => {
    const reply = await send('POST', '/key/generate', await token({ sub: 'alice', app: { team: 'team-1' } }), {});
    expect(reply.status).toBe(401);
    expect(reply.json.error.message).toBe("Authentication Error, Team not allowed to access this route. Route=/key/generate, Allowed Routes=['openai_routes', 'info_routes']");
  });
});

describe('admin scope', () => {
  it('an admin-scope token manages (management_routes) but may not call models (admin_allowed_routes)', async () => {
    const t = await token({ sub: 'root', scope: 'openid litellm_proxy_admin' });
    const created = await send('POST', '/team/new', t, { team_id: 'made-by-jwt-admin' });
    expect(created.status).toBe(200);
    const call = await chat(t);
    expect(call.status).toBe(401);
    expect(call.json.error.message).toBe(
      "Authentication Error, Admin not allowed to access this route. Route=/v1/chat/completions, Allowed Routes=['management_routes', 'spend_tracking_routes', 'global_spend_tracking_routes', 'info_routes']",
    );
  });

  it('a token without the admin scope is not an admin', async () => {
    const reply = await send('POST', '/team/new', await token({ sub: 'alice', scope: 'openid', app: { team: 'team-1' } }), { team_id: 'nope' });
    expect(reply.status).toBe(401);
  });
});

describe('JWT and virtual keys side by side', () => {
  it('a virtual key of the same team and a JWT both call, each billed to the team', async () => {
    const generated = await admin('POST', '/key/generate', { team_id: 'team-1' });
    expect(generated.status).toBe(200);
    const vk = generated.json.key as string;
    const before = await spendOf('/team/info?team_id=team-1', (j) => j.team_info.spend);
    expect((await chat(vk)).status).toBe(200);
    expect((await chat(await token({ sub: 'alice', app: { team: 'team-1' } }))).status).toBe(200);
    expect((await chat(MASTER_KEY)).status).toBe(200);
    expect(await until(async () => (await spendOf('/team/info?team_id=team-1', (j) => j.team_info.spend)) > before)).toBe(true);
  });

  it('x-litellm-team-id must name a team of the token', async () => {
    const reply = await chat(await token({ sub: 'alice', app: { team: 'team-1' } }), 'a', { 'x-litellm-team-id': 'default-team' });
    expect(reply.status).toBe(403);
    expect(reply.json.error.message).toContain("x-litellm-team-id 'default-team' does not resolve to a team id");
  });
});
