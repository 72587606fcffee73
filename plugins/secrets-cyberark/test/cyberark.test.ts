/**
 * secrets-cyberark against a local Conjur (test/support/fake-conjur.ts). There is no official
 * Node SDK for Conjur, so the fake is proven first with the REST calls CyberArk documents, made
 * by hand, then the plugin runs against it inside a gateway.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeConjur, type FakeConjur } from '../../../test/support/fake-conjur.js';
import type { TestGateway } from '../../../test/support/gateway.js';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import { selfSignedCert } from '../../../test/support/self-signed-cert.js';
import { chat, deleteKeys, generateKey, lastBearer, leakedValues, resolverOf, secretManagerConfig, startGateway, startUpstream, until } from '../../../test/support/secret-manager-checks.js';

const PLUGIN = 'secrets-cyberark';
let fake: FakeConjur;
let upstream: MockOpenAI;

beforeAll(async () => {
  fake = await startFakeConjur();
  upstream = await startUpstream();
});
afterAll(async () => {
  await fake?.close();
  await upstream?.close();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { CYBERARK_API_BASE: fake.url, CYBERARK_ACCOUNT: fake.account, CYBERARK_USERNAME: fake.login, CYBERARK_API_KEY: fake.apiKey, ...extra };
}

describe('the fake Conjur, driven by the documented REST calls', () => {
  it('exchanges the API key for a token and serves variables to Token token="<base64>"', async () => {
    fake.setVariable('db/password', 'conjur-value-1');
    const login = encodeURIComponent(fake.login);
    const auth = await request(`${fake.url}/authn/${fake.account}/${login}/authenticate`, { method: 'POST', body: fake.apiKey });
    expect(auth.statusCode).toBe(200);
    const token = Buffer.from(await auth.body.text()).toString('base64');
    const read = await request(`${fake.url}/secrets/${fake.account}/variable/${encodeURIComponent('db/password')}`, { headers: { authorization: `Token token="${token}"` } });
    expect(read.statusCode).toBe(200);
    expect(await read.body.text()).toBe('conjur-value-1');
    // Setting a value needs the variable declared by policy first.
    const undeclared = await request(`${fake.url}/secrets/${fake.account}/variable/new-var`, { method: 'POST', body: 'x', headers: { authorization: `Token token="${token}"` } });
    expect(undeclared.statusCode).toBe(404);
    await undeclared.body.dump();
    const policy = await request(`${fake.url}/policies/${fake.account}/policy/root`, { method: 'POST', body: '- !variable "new-var"\n', headers: { authorization: `Token token="${token}"`, 'content-type': 'application/x-yaml' } });
    expect(policy.statusCode).toBe(201);
    await policy.body.dump();
    const set = await request(`${fake.url}/secrets/${fake.account}/variable/new-var`, { method: 'POST', body: 'conjur-value-2', headers: { authorization: `Token token="${token}"` } });
    expect(set.statusCode).toBe(201);
    await set.body.dump();
    expect(fake.variables.get('new-var')).toEqual(['conjur-value-2']);
  });

  it('refuses a wrong API key, a missing or forged token', async () => {
    const bad = await request(`${fake.url}/authn/${fake.account}/${encodeURIComponent(fake.login)}/authenticate`, { method: 'POST', body: 'wrong' });
    expect(bad.statusCode).toBe(401);
    await bad.body.dump();
    const none = await request(`${fake.url}/secrets/${fake.account}/variable/new-var`);
    expect(none.statusCode).toBe(401);
    await none.body.dump();
    const forged = Buffer.from(JSON.stringify({ protected: 'e30', payload: 'e30', signature: 'AAAA' })).toString('base64');
    const f = await request(`${fake.url}/secrets/${fake.account}/variable/new-var`, { headers: { authorization: `Token token="${forged}"` } });
    expect(f.statusCode).toBe(401);
    await f.body.dump();
    fake.refusals.length = 0;
  });
});

describe('secrets-cyberark in a gateway', () => {
  let gw: TestGateway;
  const apiKey = 'sk-conjur-upstream-5d2e91';

  beforeAll(async () => {
    fake.setVariable('OPENAI_API_KEY', apiKey);
    gw = await startGateway(
      secretManagerConfig(upstream.url, 'OPENAI_API_KEY', { key_management_system: 'cyberark', key_management_settings: { store_virtual_keys: true, access_mode: 'read_and_write' } }),
      { env: env() },
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is enabled by key_management_system: cyberark and reads os.environ/OPENAI_API_KEY from Conjur', async () => {
    expect(gw.gateway.plugins.map((p) => p.id)).toContain(PLUGIN);
    const res = await chat(gw);
    expect(res.status, res.text).toBe(200);
    expect(lastBearer(upstream)).toBe(apiKey);
    expect(fake.refusals).toEqual([]);
  });

  it('writes a virtual key as a declared variable under the prefix, and deletes it by policy', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.name).toBe('cyberark');
    await resolver.write!('team-key', 'sk-virtual-conjur-3333');
    expect(fake.variables.get('litellm/team-key')).toEqual(['sk-virtual-conjur-3333']);
    const set = fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/secrets/')).at(-1)!;
    expect(set.path).toBe(`/secrets/${fake.account}/variable/litellm%2Fteam-key`);
    expect(set.headers.authorization).toMatch(/^Token token="[A-Za-z0-9+/=]+"$/);
    await resolver.remove!('team-key');
    expect(fake.variables.has('litellm/team-key')).toBe(false);
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.body.includes('!delete'))).toBe(true);
    expect(fake.refusals).toEqual([]);
  });

  it('stores a key made by /key/generate (store_virtual_keys) and deletes it with /key/delete', async () => {
    const made = await generateKey(gw, { key_alias: 'gen-key' });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    expect(fake.variables.get('litellm/gen-key')).toEqual([made.json.key]);
    const gone = await deleteKeys(gw, [made.json.key]);
    expect(gone.status, JSON.stringify(gone.json)).toBe(200);
    expect(fake.variables.has('litellm/gen-key')).toBe(false);
    expect(await leakedValues(gw, [made.json.key])).toEqual([]);
  });

  it('answers undefined for a variable Conjur does not hold', async () => {
    await expect(resolverOf(gw, PLUGIN).get('NOT_THERE')).resolves.toBeUndefined();
  });

  it('logs in again when Conjur refuses the token it holds (expired, revoked), and the call still succeeds', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    await resolver.write!('after-expiry', 'v1');
    fake.revokeTokens();
    const before = fake.authentications;
    const refusedBefore = fake.refusals.length;
    await resolver.write!('after-expiry', 'sk-virtual-conjur-4444');
    expect(fake.variables.get('litellm/after-expiry')?.at(-1)).toBe('sk-virtual-conjur-4444');
    expect(fake.authentications).toBe(before + 1);
    expect(fake.refusals.slice(refusedBefore)).toEqual([expect.stringContaining('bad signature')]);
    fake.refusals.length = 0;
  });

  it('never shows a value (or the API key) in logs, error bodies or /health', async () => {
    expect(await leakedValues(gw, [apiKey, 'sk-virtual-conjur-3333', 'sk-virtual-conjur-4444', fake.apiKey])).toEqual([]);
  });
});

describe('token refresh, value refresh and outage', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    fake.setVariable('REFRESHED', 'sk-conjur-before-aa11');
    gw = await startGateway(secretManagerConfig(upstream.url, 'REFRESHED', { key_management_system: 'cyberark' }), { env: env({ CYBERARK_REFRESH_INTERVAL: '1' }) });
  });
  afterAll(async () => {
    fake.down = false;
    await gw?.close();
  });

  it('reads a changed value after CYBERARK_REFRESH_INTERVAL, with a fresh token each interval', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.refreshIntervalMs).toBe(1000);
    expect(await resolver.get('REFRESHED')).toBe('sk-conjur-before-aa11');
    const logins = fake.authentications;
    fake.setVariable('REFRESHED', 'sk-conjur-after-bb22');
    // (That the value is served from memory within the interval is checked with a controlled clock
    // in plugin-sdk/secret-manager.test.ts: here the gateway's own refresh reads in the background.)
    await until(async () => (await resolver.get('REFRESHED')) === 'sk-conjur-after-bb22', 10_000, 'the new value');
    // The token is renewed on the refresh interval (well before Conjur's 8 minutes).
    expect(fake.authentications).toBeGreaterThan(logins);
  });

  it('the gateway calls the upstream with the rotated key after a refresh, without a restart', async () => {
    await until(async () => (await chat(gw)).status === 200 && lastBearer(upstream) === 'sk-conjur-after-bb22', 10_000, 'the rotated key upstream');
  });

  it('keeps serving the cached value while Conjur does not answer, logging the outage once', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(await resolver.get('REFRESHED')).toBe('sk-conjur-after-bb22');
    fake.down = true;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED')).toBe('sk-conjur-after-bb22');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED')).toBe('sk-conjur-after-bb22');
    expect(gw.logs.filter((l) => l.includes('cyberark could not be read'))).toHaveLength(1);
    expect(gw.gateway.metrics.registry.value('secrets_cyberark_read_failures_total', { stale: 'true' })).toBeGreaterThanOrEqual(2);
    await expect(resolver.get('NEVER_READ')).rejects.toThrow();
    // The deployment keeps the value it has while the manager is down.
    const during = await chat(gw);
    expect(during.status, during.text).toBe(200);
    expect(lastBearer(upstream)).toBe('sk-conjur-after-bb22');
    fake.down = false;
  });
});

describe('TLS and startup', () => {
  it('talks to a Conjur with a self-signed certificate when CYBERARK_SSL_VERIFY=false, and refuses it otherwise', async () => {
    const cert = selfSignedCert();
    const tlsFake = await startFakeConjur({ tls: cert });
    tlsFake.setVariable('TLS_KEY', 'sk-conjur-tls-cc33');
    const tlsEnv = { CYBERARK_API_BASE: tlsFake.url, CYBERARK_ACCOUNT: tlsFake.account, CYBERARK_USERNAME: tlsFake.login, CYBERARK_API_KEY: tlsFake.apiKey };
    const gw = await startGateway(secretManagerConfig(upstream.url, 'TLS_KEY', { key_management_system: 'cyberark' }), { env: { ...tlsEnv, CYBERARK_SSL_VERIFY: 'false' } });
    // hosted_keys: only TLS_KEY is Conjur's (the provider plugins' own lookups go to the environment).
    const strict = await startGateway(
      secretManagerConfig(upstream.url, 'TLS_KEY', { key_management_system: 'cyberark', key_management_settings: { hosted_keys: ['TLS_KEY'] } }),
      { env: tlsEnv },
    );
    try {
      const res = await chat(gw);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-conjur-tls-cc33');
      expect(gw.logs.some((l) => l.includes('CyberArk SSL verification is disabled'))).toBe(true);
      await expect(resolverOf(strict, PLUGIN).get('TLS_KEY')).rejects.toThrow();
    } finally {
      await gw.close();
      await strict.close();
      await tlsFake.close();
    }
  });

  it('presents CYBERARK_CLIENT_CERT / CYBERARK_CLIENT_KEY to a Conjur that demands a client certificate', async () => {
    const server = selfSignedCert();
    const client = selfSignedCert('sluice-conjur-client', ['DNS:sluice-conjur-client']);
    const mtls = await startFakeConjur({ tls: { cert: server.cert, key: server.key, clientCa: client.cert } });
    mtls.setVariable('MTLS_KEY', 'sk-conjur-mtls-dd44');
    const base = { CYBERARK_API_BASE: mtls.url, CYBERARK_ACCOUNT: mtls.account, CYBERARK_USERNAME: mtls.login, CYBERARK_API_KEY: mtls.apiKey, CYBERARK_SSL_VERIFY: 'false' };
    const settings = { key_management_system: 'cyberark', key_management_settings: { hosted_keys: ['MTLS_KEY'] } };
    const withCert = await startGateway(secretManagerConfig(upstream.url, 'MTLS_KEY', settings), { env: { ...base, CYBERARK_CLIENT_CERT: client.certFile, CYBERARK_CLIENT_KEY: client.keyFile } });
    const without = await startGateway(secretManagerConfig(upstream.url, 'MTLS_KEY', settings), { env: base });
    try {
      const res = await chat(withCert);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-conjur-mtls-dd44');
      await expect(resolverOf(without, PLUGIN).get('MTLS_KEY')).rejects.toThrow();
    } finally {
      await withCert.close();
      await without.close();
      await mtls.close();
    }
  });

  it('starts while Conjur is down: the unreadable reference is left unset and said so, and values come once it answers', async () => {
    fake.setVariable('LATE_KEY', 'sk-conjur-late-ee55');
    fake.down = true;
    let gw: TestGateway | undefined;
    try {
      gw = await startGateway(secretManagerConfig(upstream.url, 'LATE_KEY', { key_management_system: 'cyberark' }), { env: env({ CYBERARK_REFRESH_INTERVAL: '1' }) });
      expect(gw.logs.some((l) => l.includes('os.environ/LATE_KEY could not be read'))).toBe(true);
      expect((await chat(gw)).status).toBe(401);
      fake.down = false;
      await until(async () => (await chat(gw!)).status === 200 && lastBearer(upstream) === 'sk-conjur-late-ee55', 10_000, 'the key once Conjur answers');
    } finally {
      fake.down = false;
      await gw?.close();
    }
  });

  it("refuses to start without credentials, with LiteLLM's message", async () => {
    await expect(startGateway(secretManagerConfig(upstream.url, 'X', { key_management_system: 'cyberark' }), { env: env({ CYBERARK_API_KEY: '' }) })).rejects.toThrow(
      'Missing CyberArk credentials. Please set CYBERARK_API_KEY or both CYBERARK_CLIENT_CERT and CYBERARK_CLIENT_KEY in your environment.',
    );
  });
});
