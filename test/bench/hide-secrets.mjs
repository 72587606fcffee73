#!/usr/bin/env node
// Request-time cost of guardrail-hide-secrets: redactSecrets() (the pure function its preCall runs
// on every text) over one ~10 kB prompt of prose, code, config and logs holding four secrets,
// timed with process.hrtime.bigint() per call after a warm-up. Built from dist/ like the running
// gateway; alone (after `npm run build`): node test/bench/hide-secrets.mjs
// Prints one JSON line. BENCH_HIDE_SECRETS_SECRETLINT=1 adds secretlint's time on the same text
// (the reference detector the tests compare against) to that line.
import { redactSecrets } from '../../dist/plugins/guardrail-hide-secrets/src/redact-secrets.js';

const RUNS = Number(process.env.BENCH_HIDE_SECRETS_RUNS ?? 5000);
const WARMUP = Number(process.env.BENCH_HIDE_SECRETS_WARMUP ?? 500);
const TARGET_P50_US = 1000;
const TARGET_BYTES = 10 * 1024;

// Assembled at run time so the file itself holds no credential-shaped literal.
const ghToken = 'ghp_' + 'Zq8xLm2Vb7Nc4Rt1Yh6Kp3Jd9Wf5Gs0Ea2Uo';
const openaiKey = 'sk-proj-' + 'Q3vT8mZ1xKp4Lr7Nw2Yb6Hc9Fj5Gd0Sa3Ue8Ri1To4Wy7Mq2Pv6Xn9Bz5Lk';
const dbPassword = 'pG7' + 'x!Qr2Lm9vT';

const prose = `I'm migrating our retrieval service from the old cluster to the new one and something is off
with the connection pooling. Requests that used to take 80 ms now sit at 400 ms at the 95th percentile,
and the worker logs show the pool being exhausted every few minutes. We have 12 workers, each with a
pool of 10, against a Postgres that allows 200 connections, so we should not be anywhere near the limit.
Could you review the code and config below and tell me what you would change? I've also pasted the
relevant part of the logs. The deploy is version 2.14.3, built from commit 9f2c1e7ab04d3e5f6a7b8c9d0e1f2a3b4c5d6e7f.
`;

const code = `import os
import asyncpg
from fastapi import FastAPI

app = FastAPI()
DATABASE_URL = "postgresql://retrieval:${dbPassword}@db-primary.internal:5432/retrieval"
OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]  # injected by the platform
GITHUB_TOKEN = "${ghToken}"

@app.on_event("startup")
async def startup() -> None:
    app.state.pool = await asyncpg.create_pool(DATABASE_URL, min_size=2, max_size=10, command_timeout=30)

@app.get("/search")
async def search(q: str, limit: int = 20):
    async with app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, title, embedding <-> $1 AS d FROM docs ORDER BY d LIMIT $2", q, limit)
    return [{"id": r["id"], "title": r["title"], "distance": r["d"]} for r in rows]
`;

const config = `retrieval:
  replicas: 12
  resources: { cpu: "500m", memory: "1Gi" }
  env:
    - name: OPENAI_API_KEY
      value: ${openaiKey}
    - name: LOG_LEVEL
      value: info
    - name: api_password
      value: "Winter2024!deploy"
  probes:
    readiness: /health/readiness
    liveness: /health/liveliness
`;

const logs = Array.from(
  { length: 8 },
  (_, i) =>
    `2024-05-0${(i % 9) + 1}T10:1${i}:3${i}.512Z WARN pool exhausted: waited ${120 + i * 37} ms for a connection (size=10, in_use=10, request_id=5b1f8c2e-7d3a-4e9b-a6c1-${String(100000000000 + i * 7919)})`,
).join('\n');

const question = `
Also, is it a problem that we run the migration job with the same credentials? The job uses
--statement-timeout 600 and the max_tokens we send to the summariser is 2048 with temperature=0.2.
`;

let prompt = '';
for (let i = 0; prompt.length < TARGET_BYTES; i++) prompt += [prose, code, config, logs, question][i % 5] + '\n';
prompt = prompt.slice(0, TARGET_BYTES);

const check = redactSecrets(prompt);
for (const secret of [ghToken, openaiKey, dbPassword]) {
  if (check.text.includes(secret)) {
    console.error(`invalid measurement: the prompt still holds a secret after redaction`);
    process.exit(1);
  }
}

function percentiles(times) {
  const sorted = Float64Array.from(times).sort();
  const q = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 10) / 10;
  return { p50_us: q(0.5), p99_us: q(0.99), mean_us: Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 10) / 10 };
}

for (let i = 0; i < WARMUP; i++) redactSecrets(prompt);
const times = new Float64Array(RUNS);
for (let i = 0; i < RUNS; i++) {
  const t = process.hrtime.bigint();
  redactSecrets(prompt);
  times[i] = Number(process.hrtime.bigint() - t) / 1000;
}
const row = {
  scenario: 'hide-secrets-10kb',
  prompt_bytes: Buffer.byteLength(prompt),
  runs: RUNS,
  ...percentiles(times),
  target_p50_us: TARGET_P50_US,
  secrets_found: check.types.length,
  types: check.types,
};
row.target_met = row.p50_us <= TARGET_P50_US;

if (process.env.BENCH_HIDE_SECRETS_SECRETLINT === '1') {
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const lintConfig = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  const lint = () => lintSource({ source: { content: prompt, filePath: '/prompt.txt', contentType: 'text' }, options: { config: lintConfig, noPhysicFilePath: true } });
  for (let i = 0; i < WARMUP; i++) await lint();
  const lintTimes = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await lint();
    lintTimes[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const s = percentiles(lintTimes);
  Object.assign(row, { secretlint_p50_us: s.p50_us, secretlint_p99_us: s.p99_us, secretlint_findings: (await lint()).messages.length });
}
console.log(JSON.stringify(row));

// Scenario hide-secrets+banned-keywords-10kb (appended for guardrail-banned-keywords): what a
// request pays with both request-time guardrails on, on the same prompt: redaction, then the
// keyword scan of the redacted text. 200 keywords, none in the prompt: the common case, and the
// slowest one, since a clean text is scanned to its end. banned_keywords_only_* is the scan alone.
{
  const { KeywordMatcher } = await import('../../dist/plugins/guardrail-banned-keywords/src/keyword-matcher.js');
  const keywordList = Array.from({ length: 200 }, (_, i) => `${['project', 'codename', 'internal', 'launch'][i % 4]} ${['falcon', 'orion', 'atlas', 'zephyr', 'nimbus'][i % 5]}-${i}`);
  const banned = KeywordMatcher.compile(keywordList);
  if (banned.find(redactSecrets(prompt).text) !== undefined || banned.find(`${prompt} PROJECT FALCON-0`) !== 'project falcon-0') {
    console.error('invalid measurement: the keyword matcher does not answer as expected on the prompt');
    process.exit(1);
  }
  const time = (fn) => {
    for (let i = 0; i < WARMUP; i++) fn();
    const out = new Float64Array(RUNS);
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      fn();
      out[i] = Number(process.hrtime.bigint() - t) / 1000;
    }
    return percentiles(out);
  };
  const both = time(() => banned.scan(redactSecrets(prompt).text));
  const scanOnly = time(() => banned.scan(prompt));
  console.log(
    JSON.stringify({
      scenario: 'hide-secrets+banned-keywords-10kb',
      prompt_bytes: Buffer.byteLength(prompt),
      runs: RUNS,
      keywords: banned.size,
      ...both,
      banned_keywords_only_p50_us: scanOnly.p50_us,
      banned_keywords_only_p99_us: scanOnly.p99_us,
    }),
  );
}
