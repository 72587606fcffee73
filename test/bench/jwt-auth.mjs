#!/usr/bin/env node
// What JWT auth (auth-jwt) costs per call compared with virtual-key auth (governance-tenancy),
// in-process: a real gateway (default plugins + auth-jwt) whose preAuth hook point is called
// directly, no HTTP, as governance-hot-path.mjs does. The issuer's JWKS is served over HTTP on
// loopback and fetched once (cached); the JWT names the same user and team as the virtual key, so
// both principals carry the same scopes.
//
// Scenarios, each timed per call (preAuth) with process.hrtime.bigint(), in interleaved blocks so
// drift (GC, other load) hits each alike:
//   virtual-key      a warm `sk-` key: hash + key cache hit
//   jwt              the same JWT again and again: token hash + verified-token cache hit + the
//                    identity directory's cached principal + route check (the steady state of a client)
//   jwt-fresh-rs256  a new RS256 token every call: header read, JWKS key (cached), signature and
//                    claim checks, claims mapped, then the cached principal (a token's first call)
//   jwt-fresh-es256  the same with ES256
//
// Prints one JSON line per scenario and a summary: jwt_added_p50_us = jwt p50 - virtual-key p50
// (issue 15 target: ≤ 30 µs). Run by `npm run bench`; alone (after `npm run build`):
//   node --no-node-snapshot test/bench/jwt-auth.mjs
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createGateway } from '../../dist/kernel/gateway.js';

const N = Number(process.env.BENCH_JWT_CALLS ?? 20000);
const WARMUP = Number(process.env.BENCH_JWT_WARMUP ?? 2000);
const BLOCKS = Number(process.env.BENCH_JWT_BLOCKS ?? 10);
/** Fresh tokens are signed up front (signing is not what is timed); fewer, as each is verified in full. */
const FRESH = Number(process.env.BENCH_JWT_FRESH ?? 4000);
const TARGET_ADDED_P50_US = 30;
const MASTER_KEY = 'sk-bench-1234';
const ISSUER = 'https://idp.bench.test';
const AUDIENCE = 'sluice-bench';

const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' }] };
let jwksFetches = 0;
const idp = createServer((_req, res) => {
  jwksFetches++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
});
await new Promise((resolve) => idp.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${idp.address().port}/jwks`;

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const root = mkdtempSync(join(tmpdir(), 'sluice-bench-jwt-'));
const env = {
  ...process.env, DATABASE_URL: `sqlite:${join(root, 'bench.db')}`, REDIS_URL: '', SLUICE_MASTER_KEY: '', LITELLM_MASTER_KEY: '',
  JWT_PUBLIC_KEY_URL: jwksUrl, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER,
};
const gw = await createGateway({
  config: {
    model_list: [{ model_name: 'bench-model', litellm_params: { model: 'fake/bench-model' } }],
    general_settings: {
      master_key: MASTER_KEY,
      enable_jwt_auth: true,
      litellm_jwtauth: { user_id_jwt_field: 'sub', team_id_jwt_field: 'team' },
    },
    storage: { data_dir: root },
    plugins: [{ use: 'spend-logs', enabled: false }],
  },
  env,
  logDestination: quiet,
  logLevel: 'warn',
});

const admin = async (url, payload) => {
  const res = await gw.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${MASTER_KEY}` }, payload });
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
};
await admin('/team/new', { team_id: 'bench-team' });
await admin('/user/new', { user_id: 'bench-user', auto_create_key: false });
const key = (await admin('/key/generate', { user_id: 'bench-user', team_id: 'bench-team', key_alias: 'bench' })).key;

const now = Math.floor(Date.now() / 1000);
const sign = (alg, privateKey, kid, i) =>
  new SignJWT({ sub: 'bench-user', team: 'bench-team', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, jti: `t${i}` }).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
const jwt = await sign('RS256', rsa.privateKey, 'rsa', 0);
const freshRsa = await Promise.all(Array.from({ length: FRESH + WARMUP }, (_, i) => sign('RS256', rsa.privateKey, 'rsa', i + 1)));
const freshEc = await Promise.all(Array.from({ length: FRESH + WARMUP }, (_, i) => sign('ES256', ec.privateKey, 'ec', i + 1)));

const input = (token, i) => ({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, token, method: 'POST', path: '/v1/chat/completions', ip: '127.0.0.1', requestId: `r${i}` });

for (const [name, token] of [['virtual key', key], ['JWT', jwt]]) {
  const p = await gw.hooks.preAuth.promise(input(token, 0));
  if (!p) throw new Error(`the ${name} did not authenticate`);
  if (p.teamId !== 'bench-team' || p.userId !== 'bench-user') throw new Error(`the ${name} principal is not bench-user of bench-team`);
}
const jwtPrincipal = await gw.hooks.preAuth.promise(input(jwt, 0));
if (jwtPrincipal.authenticatedBy !== 'auth-jwt') throw new Error(`the JWT was authenticated by ${jwtPrincipal.authenticatedBy}`);

async function timed(token, i) {
  const t0 = process.hrtime.bigint();
  await gw.hooks.preAuth.promise(input(token, i));
  return Number(process.hrtime.bigint() - t0) / 1000;
}

let freshAt = { rsa: 0, ec: 0 };
const SCENARIOS = [
  { name: 'virtual-key', token: () => key, calls: N },
  { name: 'jwt', token: () => jwt, calls: N },
  { name: 'jwt-fresh-rs256', token: () => freshRsa[freshAt.rsa++], calls: FRESH },
  { name: 'jwt-fresh-es256', token: () => freshEc[freshAt.ec++], calls: FRESH },
];

for (const s of SCENARIOS) for (let i = 0; i < WARMUP; i++) await timed(s.token(), i);

const results = SCENARIOS.map((s) => ({ ...s, per: Math.ceil(s.calls / BLOCKS), times: [] }));
let seq = 0;
for (let b = 0; b < BLOCKS; b++) {
  for (const r of results) for (let i = 0; i < r.per; i++) r.times.push(await timed(r.token(), ++seq));
}

const quantile = (sorted, p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 10) / 10;
const mean = (xs) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
const rows = Object.fromEntries(
  results.map((r) => {
    const times = r.times.sort((a, b) => a - b);
    const row = { scenario: 'jwt-auth', step: r.name, calls: times.length, p50_us: quantile(times, 0.5), p99_us: quantile(times, 0.99), mean_us: mean(times) };
    console.log(JSON.stringify(row));
    return [r.name, row];
  }),
);
await gw.close();
await new Promise((resolve) => idp.close(resolve));

const round = (x) => Math.round(x * 10) / 10;
const added = round(rows.jwt.p50_us - rows['virtual-key'].p50_us);
console.log(
  JSON.stringify({
    summary: true,
    scenario: 'jwt-auth',
    virtual_key_p50_us: rows['virtual-key'].p50_us,
    jwt_p50_us: rows.jwt.p50_us,
    jwt_added_p50_us: added,
    jwt_fresh_rs256_added_p50_us: round(rows['jwt-fresh-rs256'].p50_us - rows['virtual-key'].p50_us),
    jwt_fresh_es256_added_p50_us: round(rows['jwt-fresh-es256'].p50_us - rows['virtual-key'].p50_us),
    jwks_fetches: jwksFetches,
    target_added_p50_us: TARGET_ADDED_P50_US,
    target_met: added <= TARGET_ADDED_P50_US,
  }),
);
