/**
 * general_settings.allowed_ips through real gateways on real sockets (the client address is the
 * socket's, or X-Forwarded-For from a trusted hop only), and the SDK matcher on its own:
 * addresses, CIDR ranges, IPv4 and IPv6, IPv4-mapped IPv6 as IPv4. Per key and per team lists
 * (`metadata.allowed_ips`) are checked by governance-tenancy with the same matcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import { compileIpAllowlist, IpAllowlistError } from '@sluice/plugin-sdk/node';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';

const MODELS = [{ model_name: 'a', litellm_params: { model: 'fake/a' } }];
const DENIED = { error: { message: 'Access forbidden: IP address not allowed.', type: 'auth_error', param: 'None', code: '403' } };

function withIps(general: Record<string, unknown>): SluiceConfig {
  return { model_list: MODELS, general_settings: { master_key: MASTER_KEY, ...general } } as SluiceConfig;
}

async function call(url: string, path: string, init: { method?: string; key?: string | null; headers?: Record<string, string>; body?: unknown } = {}) {
  const key = init.key === undefined ? MASTER_KEY : init.key;
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

const CHAT = { model: 'a', messages: [{ role: 'user', content: 'hi' }] };
/** One route of each serving path: the call fast path, a plugin route (its fast path), fastify. */
const ROUTES = [
  { path: '/v1/chat/completions', body: CHAT },
  { path: '/key/generate', body: {} },
  { path: '/v1/models', body: undefined },
];

/** A gateway on a dual-stack socket (`::`): IPv4 clients show up as `::ffff:127.0.0.1`. */
const dualStackGateway = (config: SluiceConfig) => startGateway(config, {}, '::');

describe('compileIpAllowlist', () => {
  it('addresses and CIDR ranges, IPv4 and IPv6; mapped IPv6 is IPv4 on both sides', () => {
    const list = compileIpAllowlist(['192.168.1.1', '10.0.0.0/8', '2001:db8::7', '2001:db8:1::/48', '::ffff:172.16.0.0/108']);
    for (const ip of ['192.168.1.1', '10.1.2.3', '::ffff:10.200.0.1', '::FFFF:192.168.1.1', '2001:db8::7', '2001:DB8:0:0:0:0:0:7', '2001:db8:1:ffff::1', '172.16.5.5', '::ffff:172.31.255.255']) {
      expect(list.allows(ip), ip).toBe(true);
    }
    for (const ip of ['192.168.1.2', '11.0.0.1', '2001:db8::8', '2001:db8:2::1', '172.32.0.1', '::1', '127.0.0.1', '', 'localhost', '10.0.0.1.5', '::ffff:11.0.0.1']) {
      expect(list.allows(ip), ip).toBe(false);
    }
  });

  it('an IPv4 entry matches a mapped client, and a mapped entry an IPv4 client', () => {
    expect(compileIpAllowlist(['127.0.0.1']).allows('::ffff:127.0.0.1')).toBe(true);
    expect(compileIpAllowlist(['::ffff:127.0.0.1']).allows('127.0.0.1')).toBe(true);
    expect(compileIpAllowlist(['127.0.0.0/8']).allows('::ffff:127.9.9.9')).toBe(true);
  });

  it("the IPv4 fast path agrees with ipaddr.js on random addresses, /0 and /32 included", () => {
    const entries = ['0.0.0.0/0', '10.0.0.0/8', '192.168.7.0/23', '203.0.113.5/32', '172.20.0.0/14'];
    for (const list of [entries.slice(1), entries]) {
      const compiled = compileIpAllowlist(list);
      const ranges = list.map((e) => ipaddr.parseCIDR(e));
      for (let i = 0; i < 3000; i++) {
        const ip = i < 5 ? ['203.0.113.5', '192.168.6.255', '192.168.7.1', '192.168.8.0', '172.23.255.255'][i]! : [0, 0, 0, 0].map(() => Math.floor(Math.random() * 256)).join('.');
        const expected = ranges.some((r) => ipaddr.parse(ip).match(r));
        expect(compiled.allows(ip), `${ip} in ${list}`).toBe(expected);
        expect(compiled.allows(`::ffff:${ip}`), `::ffff:${ip} in ${list}`).toBe(expected);
      }
      expect(compiled.allows('2001:db8::1')).toBe(false);
    }
  });

  it('the IPv6 fast path agrees with ipaddr.js on random addresses in every spelling (compressed, full, zone, mapped)', () => {
    const entries = ['2001:db8::/32', '2001:db8:abcd:12::/64', 'fd00::/8', '::1', 'fe80::/10', '2001:db8:ffff:ffff:ffff:ffff:ffff:fff0/124', '10.0.0.0/8'];
    const compiled = compileIpAllowlist(entries);
    const ranges = entries.map((e) => ipaddr.parseCIDR(e.includes('/') ? e : `${e}/128`));
    const rand16 = () => Math.floor(Math.random() * 0x10000);
    const prefixes = [[0x2001, 0xdb8], [0x2001, 0xdb8, 0xabcd, 0x12], [0xfd12], [0xfe80], [0x2001, 0xdb9], [0x2001, 0xdb8, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff]];
    for (let i = 0; i < 3000; i++) {
      const prefix = prefixes[i % prefixes.length]!;
      const parts = Array.from({ length: 8 }, (_, k) => (k < prefix.length ? prefix[k]! : i % 3 === 0 && k < 6 ? 0 : rand16()));
      const addr = new ipaddr.IPv6(parts);
      const expected = ranges.some((r) => (addr.kind() === r[0].kind() ? addr.match(r) : false));
      for (const spelling of [addr.toString(), addr.toNormalizedString(), addr.parts.map((p) => p.toString(16).padStart(4, '0')).join(':'), `${addr.toString()}%eth0`, addr.toString().toUpperCase()]) {
        expect(compiled.allows(spelling), `${spelling} in ${entries}`).toBe(expected);
      }
    }
    for (const ip of ['::1', '0:0:0:0:0:0:0:1', '::ffff:10.1.2.3', '0:0:0:0:0:ffff:a01:203', '::ffff:a01:203']) expect(compiled.allows(ip), ip).toBe(true);
    for (const ip of ['::2', '1::2::3', '2001:db8::1::', 'gggg::1', '2001:db8:0:0:0:0:0:0:1', '::ffff:11.1.2.3']) expect(compiled.allows(ip), ip).toBe(false);
  });

  it('an entry that is not an address or range throws; skipInvalid leaves it out (and an emptied list allows nobody)', () => {
    for (const bad of ['10.0.0.0/33', 'not-an-ip', '300.1.1.1', '2001:db8::/129', '']) expect(() => compileIpAllowlist([bad]), bad).toThrow(IpAllowlistError);
    expect(compileIpAllowlist(['nope', '10.0.0.0/8'], { skipInvalid: true }).allows('10.0.0.1')).toBe(true);
    expect(compileIpAllowlist(['nope'], { skipInvalid: true }).allows('10.0.0.1')).toBe(false);
  });
});

describe('general_settings.allowed_ips through the gateway', () => {
  const gateways: TestGateway[] = [];
  const start = async (config: SluiceConfig, dual = false) => {
    const gw = dual ? await dualStackGateway(config) : await startGateway(config);
    gateways.push(gw);
    return gw;
  };
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
  });

  it('a client in the list (address or CIDR) is served on every kind of route', async () => {
    for (const allowed_ips of [['127.0.0.1'], ['127.0.0.0/8'], ['10.0.0.0/8', '127.0.0.1']]) {
      const gw = await start(withIps({ allowed_ips }));
      for (const r of ROUTES) expect((await call(gw.url, r.path, { body: r.body })).status, `${allowed_ips} ${r.path}`).toBe(200);
    }
  });

  it("a client outside the list gets LiteLLM's 403 on every kind of route, before its key is looked at", async () => {
    const gw = await start(withIps({ allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] }));
    for (const r of ROUTES) {
      const res = await call(gw.url, r.path, { body: r.body });
      expect(res.status, r.path).toBe(403);
      expect(res.json, r.path).toEqual(DENIED);
    }
    // No key, a wrong key: still the IP refusal (not 401): nothing is learnt about keys.
    expect((await call(gw.url, '/v1/models', { key: null })).json).toEqual(DENIED);
    expect((await call(gw.url, '/v1/models', { key: 'sk-wrong' })).json).toEqual(DENIED);
    // The gateway's unauthenticated routes are not behind it (LiteLLM's health routes are not either).
    expect((await call(gw.url, '/health/liveliness', { key: null })).status).toBe(200);
  });

  it('IPv6 and IPv4-mapped IPv6 clients on a dual-stack socket', async () => {
    const v4Only = await start(withIps({ allowed_ips: ['127.0.0.1'] }), true);
    const port = new URL(v4Only.url).port;
    // An IPv4 client arrives as ::ffff:127.0.0.1 and is the listed 127.0.0.1.
    expect((await call(`http://127.0.0.1:${port}`, '/v1/models')).status).toBe(200);
    expect((await call(`http://[::1]:${port}`, '/v1/models')).json).toEqual(DENIED);
    const v6 = await start(withIps({ allowed_ips: ['::1/128'] }), true);
    const port6 = new URL(v6.url).port;
    expect((await call(`http://[::1]:${port6}`, '/v1/chat/completions', { body: CHAT })).status).toBe(200);
    expect((await call(`http://127.0.0.1:${port6}`, '/v1/chat/completions', { body: CHAT })).json).toEqual(DENIED);
  });

  it('X-Forwarded-For is ignored without use_x_forwarded_for: a client cannot claim a listed address', async () => {
    const gw = await start(withIps({ allowed_ips: ['203.0.113.7'] }));
    for (const r of ROUTES) {
      const res = await call(gw.url, r.path, { body: r.body, headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(res.json, r.path).toEqual(DENIED);
    }
  });

  it('X-Forwarded-For from a hop that is not a trusted proxy is ignored', async () => {
    const gw = await start(withIps({ allowed_ips: ['203.0.113.7'], use_x_forwarded_for: true, trusted_proxies: ['10.9.9.9'] }));
    for (const r of ROUTES) {
      for (const xff of ['203.0.113.7', '203.0.113.7, 127.0.0.1']) {
        const res = await call(gw.url, r.path, { body: r.body, headers: { 'x-forwarded-for': xff } });
        expect(res.json, `${r.path} ${xff}`).toEqual(DENIED);
      }
    }
  });

  it('X-Forwarded-For from a trusted hop is honoured, walking from the right', async () => {
    // use_x_forwarded_for without trusted_proxies trusts loopback and private hops: the test client is the proxy.
    const gw = await start(withIps({ allowed_ips: ['203.0.113.0/24', '2001:db8::/32'], use_x_forwarded_for: true }));
    expect(gw.gateway.warnings.join('\n')).not.toMatch(/allowed_ips|use_x_forwarded_for/);
    for (const r of ROUTES) {
      for (const xff of ['203.0.113.7', '2001:db8::5', '::ffff:203.0.113.9', '198.51.100.1, 203.0.113.7', '203.0.113.7, 10.0.0.2']) {
        const res = await call(gw.url, r.path, { body: r.body, headers: { 'x-forwarded-for': xff } });
        expect(res.status, `${r.path} ${xff}`).toBe(200);
      }
      // The client wrote a listed address itself; the proxy appended the real one.
      for (const xff of ['198.51.100.1', '203.0.113.7, 198.51.100.1']) {
        const res = await call(gw.url, r.path, { body: r.body, headers: { 'x-forwarded-for': xff } });
        expect(res.json, `${r.path} ${xff}`).toEqual(DENIED);
      }
    }
  });

  it('a public route is still behind the list: the IP check runs before access-routes answers for it', async () => {
    const gw = await start(withIps({ allowed_ips: ['10.0.0.0/8'], public_routes: ['/v1/models'] }));
    expect((await call(gw.url, '/v1/models', { key: null })).json).toEqual(DENIED);
    const open = await start(withIps({ allowed_ips: ['127.0.0.1'], public_routes: ['/v1/models'] }));
    expect((await call(open.url, '/v1/models', { key: null })).status).toBe(200);
  });

  it('an entry that is not an address or range stops the gateway from starting, naming allowed_ips', async () => {
    await expect(startGateway(withIps({ allowed_ips: ['10.0.0.0/8', '10.0.0.0/40'] }))).rejects.toThrow(/allowed_ips/);
  });
});

describe("a key's and a team's metadata.allowed_ips (governance-tenancy)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(withIps({}));
  });
  afterAll(async () => {
    await gw?.close();
  });
  const generate = async (body: Record<string, unknown>) => (await call(gw.url, '/key/generate', { body })).json.key as string;

  it('a key whose list does not hold the client is refused with the same 403; one that does is served', async () => {
    const outside = await generate({ metadata: { allowed_ips: ['10.0.0.0/8'] } });
    const inside = await generate({ metadata: { allowed_ips: ['127.0.0.0/8', '2001:db8::/32'] } });
    // (A key without a user may not call /key/generate at all: the call routes and fastify's are enough here.)
    for (const r of ROUTES.filter((r) => r.path !== '/key/generate')) {
      expect((await call(gw.url, r.path, { body: r.body, key: outside })).json, r.path).toEqual(DENIED);
      expect((await call(gw.url, r.path, { body: r.body, key: inside })).status, r.path).toBe(200);
    }
    // The master key and keys without a list are not limited.
    expect((await call(gw.url, '/v1/models', { key: await generate({}) })).status).toBe(200);
  });

  it('a team list applies to every key of the team; updating a key list takes effect at once', async () => {
    const team = (await call(gw.url, '/team/new', { body: { metadata: { allowed_ips: ['192.0.2.0/24'] } } })).json.team_id as string;
    const teamKey = await generate({ team_id: team });
    expect((await call(gw.url, '/v1/chat/completions', { body: CHAT, key: teamKey })).json).toEqual(DENIED);
    const key = await generate({});
    expect((await call(gw.url, '/v1/models', { key })).status).toBe(200);
    expect((await call(gw.url, '/key/update', { body: { key, metadata: { allowed_ips: ['10.0.0.1'] } } })).status).toBe(200);
    expect((await call(gw.url, '/v1/models', { key })).json).toEqual(DENIED);
    expect((await call(gw.url, '/key/update', { body: { key, metadata: { allowed_ips: [] } } })).status).toBe(200);
    expect((await call(gw.url, '/v1/models', { key })).status).toBe(200);
  });
});
