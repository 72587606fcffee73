/**
 * JWT route rules against the path the router really serves (the SDK's route-rules.ts), through a
 * real gateway and raw sockets (fetch would clean the spellings): no spelling of an admin route
 * gets a team token through, a spelling no rule can be checked against is refused with 400, the
 * served spellings of an allowed route work; general_settings.admin_only_routes applies to JWT
 * principals as it does to virtual keys.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { AUDIENCE, ISSUER, jwksServer, sign, signingKey, type JwksServer, type SigningKey } from './issuer.js';

interface RawReply {
  status: number;
  message: string;
}

/** One request written byte for byte (fetch and http.request normalise the target). */
function raw(baseUrl: string, method: string, target: string, token: string, body?: string): Promise<RawReply> {
  const { hostname, port } = new URL(baseUrl);
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close', `authorization: Bearer ${token}`];
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      // The envelope's message, whether the body came chunked or not.
      const message = /"message":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]?.replace(/\\(.)/g, '$1') ?? '';
      resolve({ status, message });
    });
    // Written, not ended: a half-closed socket may be dropped while the token's JWKS is fetched; `connection: close` ends it.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

/** Fifteen ways to write POST /key/generate: some the router serves as it, some it cannot be checked on. */
const SPELLINGS: Array<{ label: string; target: string; uncheckable?: true }> = [
  { label: 'as is', target: '/key/generate' },
  { label: 'trailing slash', target: '/key/generate/' },
  { label: 'doubled slashes', target: '//key//generate//' },
  { label: 'query', target: '/key/generate?x=1' },
  { label: 'fragment', target: '/key/generate#x' },
  { label: 'letter %-encoded', target: '/key/%67enerate' },
  { label: 'letter %-encoded (lower hex)', target: '/%6bey/generate' },
  { label: 'every character %-encoded', target: '/%6B%65%79/%67%65%6E%65%72%61%74%65' },
  { label: 'absolute form', target: 'http://localhost/key/generate' },
  { label: 'matrix parameter', target: '/key/generate;x=1' },
  { label: 'upper case', target: '/KEY/GENERATE' },
  { label: 'encoded slash', target: '/key%2Fgenerate', uncheckable: true },
  { label: 'dot-dot segment under a wildcard route', target: '/anthropic/../key/generate', uncheckable: true },
  { label: 'encoded dot-dot under a wildcard route', target: '/anthropic/%2e%2e/key/generate', uncheckable: true },
  { label: 'malformed escape', target: '/key/generate%zz', uncheckable: true },
];

const TEAM_REFUSAL = "Authentication Error, Team not allowed to access this route. Route=/key/generate, Allowed Routes=['openai_routes', 'info_routes']";
const UNCHECKABLE = /^The request path .* cannot be checked against the gateway's route rules/;
const ADMIN_ONLY = 'Authentication Error, user not allowed to access this route. Route=/v1/models is an admin only route';
const CHAT = JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] });

let gw: TestGateway;
let idp: JwksServer;
let key: SigningKey;
const token = (claims: Record<string, unknown>) => sign(key, claims);
const asMaster = (path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  key = await signingKey('k1');
  idp = await jwksServer([key]);
  gw = await startGateway(
    {
      model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
      general_settings: {
        master_key: MASTER_KEY,
        enable_jwt_auth: true,
        admin_only_routes: ['/v1/models'],
        litellm_jwtauth: { user_id_jwt_field: 'sub', user_id_upsert: true, team_id_jwt_field: 'team' },
      },
    } as never,
    { env: { JWT_PUBLIC_KEY_URL: idp.url, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER } },
  );
  expect((await asMaster('/team/new', { team_id: 'team-1' })).status).toBe(200);
  expect((await asMaster('/user/new', { user_id: 'boss', user_role: 'proxy_admin' })).status).toBe(200);
});
afterAll(async () => {
  await gw?.close();
  await idp?.close();
});

describe('team_allowed_routes on every spelling', () => {
  it('none of 15 spellings of POST /key/generate gets a team token through', async () => {
    const teamToken = await token({ sub: 'alice', team: 'team-1' });
    const failures: string[] = [];
    let served = 0;
    let refusedAsUncheckable = 0;
    for (const s of SPELLINGS) {
      // What the spelling is without any rule: the master key is a proxy_admin no JWT rule applies to.
      const baseline = await raw(gw.url, 'POST', s.target, MASTER_KEY, '{}');
      const r = await raw(gw.url, 'POST', s.target, teamToken, '{}');
      if (r.status >= 200 && r.status < 300) failures.push(`${s.label}: ${s.target} succeeded`);
      if (baseline.status === 200) {
        served++;
        if (r.status !== 401 || r.message !== TEAM_REFUSAL) failures.push(`${s.label}: served as /key/generate but answered ${r.status} ${r.message}`);
      }
      // Refused as uncheckable by the JWT rule itself (not by whatever refuses the spelling for everyone).
      const baselineUncheckable = baseline.status === 400 && UNCHECKABLE.test(baseline.message);
      if (s.uncheckable && !baselineUncheckable && r.status === 400 && UNCHECKABLE.test(r.message)) refusedAsUncheckable++;
    }
    expect(failures).toEqual([]);
    // The router serves most of them as /key/generate; the rule is judged on that path, not the spelling.
    expect(served).toBeGreaterThanOrEqual(9);
    // `/key%2Fgenerate` is a 404 for the master key; the team rule cannot be checked on it: 400, not a lucky miss.
    expect(refusedAsUncheckable).toBeGreaterThanOrEqual(1);
  });

  it('the served spellings of an allowed route work for a team token', async () => {
    const teamToken = await token({ sub: 'alice', team: 'team-1' });
    for (const target of ['/v1/chat/completions', '/v1/chat/completions/', '//v1//chat/completions', '/v1/chat/%63ompletions', 'http://localhost/v1/chat/completions']) {
      const r = await raw(gw.url, 'POST', target, teamToken, CHAT);
      expect(r.status, `${target}: ${r.message}`).toBe(200);
    }
  });
});

describe('general_settings.admin_only_routes for JWT principals', () => {
  it('a team token is refused on an admin-only route, in every served spelling, with LiteLLM’s message', async () => {
    const teamToken = await token({ sub: 'alice', team: 'team-1' });
    for (const target of ['/v1/models', '/v1/models/', '/v1/%6Dodels', 'http://localhost/v1/models']) {
      const r = await raw(gw.url, 'GET', target, teamToken);
      expect(r.status, target).toBe(403);
      expect(r.message, target).toBe(ADMIN_ONLY);
    }
    // Its other routes still work.
    expect((await raw(gw.url, 'POST', '/v1/chat/completions', teamToken, CHAT)).status).toBe(200);
  });

  it('an admin-scope token, a token of a proxy_admin user and the master key may call it', async () => {
    const adminToken = await token({ sub: 'root', scope: 'litellm_proxy_admin' });
    expect((await raw(gw.url, 'GET', '/v1/models', adminToken)).status).toBe(200);
    const bossToken = await token({ sub: 'boss', team: 'team-1' });
    const boss = await raw(gw.url, 'GET', '/v1/models', bossToken);
    expect(boss.status, boss.message).toBe(200);
    expect((await raw(gw.url, 'GET', '/v1/models', MASTER_KEY)).status).toBe(200);
  });
});
