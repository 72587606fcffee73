// Scale check of `sluice import litellm` (issue 20): a LiteLLM database built from the committed
// schema (test/fixtures/litellm-schema/main-029f645f.sql) with 10,000 keys, 100 teams, 1,000
// users and 1,000,000 spend-log rows (INSERT … SELECT generate_series, as LiteLLM stores them),
// imported into a fresh Postgres database by the built CLI (`npm run build` first). Measures the
// wall time and peak RSS (VmHWM) of the import process, runs it a second time (everything must
// be `unchanged`), then starts the gateway on the target and calls it with a sample of imported
// keys: one under budget answers, one LiteLLM had spent to its budget is refused, a blocked one
// is refused. Not part of the vitest suite.
//
//   npm run build && node --no-node-snapshot test/bench/import-litellm.mjs
//   env: BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), BENCH_SPEND_ROWS (default 1000000),
//        BENCH_NODE_ARGS (node flags for the import process, e.g. --cpu-prof --cpu-prof-dir=DIR)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('../../', import.meta.url).pathname;
const adminUrl = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SPEND_ROWS = Number(process.env.BENCH_SPEND_ROWS ?? 1_000_000);
const KEYS = 10_000;
const TEAMS = 100;
const USERS = 1_000;
const MASTER_KEY = 'sk-bench-master-1234';
const sha256 = (t) => createHash('sha256').update(t).digest('hex');
const keyOf = (i) => `sk-bench-key-${String(i).padStart(6, '0')}`;
const log = (m) => process.stderr.write(`${m}\n`);

function dbUrl(name) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function recreate(name) {
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return dbUrl(name);
}

async function buildSource(url) {
  await withClient(url, async (c) => {
    await c.query(readFileSync(join(root, 'test/fixtures/litellm-schema/main-029f645f.sql'), 'utf8'));
    await c.query(`INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, budget_duration, created_by, updated_by) VALUES ('member-budget', 25, '30d', 'admin', 'admin')`);
    await c.query(`INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, models, created_by, updated_by) VALUES ('org-1', 'Bench org', 'member-budget', ARRAY[]::TEXT[], 'admin', 'admin')`);
    await c.query(`INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, members_with_roles, max_budget, spend, models, rpm_limit, budget_duration, budget_reset_at)
      SELECT 'team-' || t, 'Team ' || t, 'org-1',
             (SELECT jsonb_agg(jsonb_build_object('role', CASE WHEN u % 10 = 0 THEN 'admin' ELSE 'user' END, 'user_id', 'user-' || u, 'user_email', 'user' || u || '@example.com'))
                FROM generate_series(t, ${USERS}, ${TEAMS}) u),
             1000, t * 1.5, ARRAY['bench-model'], 10000, '30d', now() + interval '10 days'
      FROM generate_series(1, ${TEAMS}) t`);
    await c.query(`INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, max_budget, spend, models, teams, metadata)
      SELECT 'user-' || u, 'user' || u || '@example.com', 'internal_user', 100, u * 0.01, ARRAY[]::TEXT[], ARRAY['team-' || (((u - 1) % ${TEAMS}) + 1)], '{}'
      FROM generate_series(1, ${USERS}) u`);
    await c.query(`INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend, budget_id)
      SELECT 'user-' || u, 'team-' || (((u - 1) % ${TEAMS}) + 1), u * 0.001, 'member-budget' FROM generate_series(1, ${USERS}) u`);
    await c.query(`INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, user_id, team_id, max_budget, spend, rpm_limit, tpm_limit, budget_duration, budget_reset_at, blocked, metadata, created_at, updated_at)
      SELECT encode(sha256(convert_to('sk-bench-key-' || lpad(k::text, 6, '0'), 'UTF8')), 'hex'), 'sk-...' || lpad(k::text, 4, '0'), 'key-' || k, ARRAY['bench-model'],
             'user-' || (((k - 1) % ${USERS}) + 1), 'team-' || (((k - 1) % ${TEAMS}) + 1),
             10, CASE WHEN k = 2 THEN 10 ELSE (k % 100) * 0.01 END, 1000, 1000000, '30d', now() + interval '10 days', k = 3,
             jsonb_build_object('tags', jsonb_build_array('bench')), now() - interval '30 days', now() - interval '1 day'
      FROM generate_series(1, ${KEYS}) k`);
    log(`source: ${KEYS} keys, ${TEAMS} teams, ${USERS} users; writing ${SPEND_ROWS} spend logs…`);
    await c.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime", model, model_group, custom_llm_provider, "user", team_id, metadata, request_tags, status)
      SELECT 'chatcmpl-bench-' || g, 'acompletion', encode(sha256(convert_to('sk-bench-key-' || lpad((((g - 1) % ${KEYS}) + 1)::text, 6, '0'), 'UTF8')), 'hex'),
             0.0001, 30, 20, 10, now() - (g * interval '2 seconds'), now() - (g * interval '2 seconds') + interval '800 milliseconds',
             'gpt-4o-mini', 'bench-model', 'openai', 'user-' || (((g - 1) % ${USERS}) + 1), 'team-' || (((g - 1) % ${TEAMS}) + 1),
             jsonb_build_object('user_api_key_alias', 'key-' || (((g - 1) % ${KEYS}) + 1)), '["bench"]', 'success'
      FROM generate_series(1, ${SPEND_ROWS}) g`);
    await c.query('ANALYZE');
  });
}

/** Runs the built CLI; polls the process's VmHWM (peak resident set) while it runs. */
function runCli(args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // BENCH_NODE_ARGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the import.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, ['--no-node-snapshot', ...nodeArgs, join(root, 'bin/sluice.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, out, err, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakMb: Math.round(peakKb / 1024) });
    });
  });
}

async function waitForLine(child, re) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) resolve(m);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`exited ${code} before ${re}: ${buf.slice(-2000)}`)));
  });
}

async function main() {
  const sourceUrl = await recreate(`litellm_bench_${process.pid}`);
  const targetUrl = await recreate(`sluice_bench_${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-import-bench-'));
  const mock = spawn(process.execPath, [join(root, 'test/bench/mock-upstream.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, mockPort] = await waitForLine(mock, /READY (\d+)/);
  const config = {
    model_list: [{ model_name: 'bench-model', litellm_params: { model: 'openai/bench-model', api_base: `http://127.0.0.1:${mockPort}`, api_key: 'sk-upstream' } }],
    general_settings: { master_key: MASTER_KEY },
    storage: { database_url: targetUrl, data_dir: dir },
  };
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, JSON.stringify(config));
  const results = {};
  try {
    let t = Date.now();
    await buildSource(sourceUrl);
    results.build_source_s = (Date.now() - t) / 1000;
    const env = { DATABASE_URL: '', REDIS_URL: '', LITELLM_SALT_KEY: '', LITELLM_MASTER_KEY: '' };
    const first = await runCli(['import', 'litellm', '--from', sourceUrl, '--config', configPath], env);
    if (first.code !== 0) throw new Error(`first import failed (${first.code}):\n${first.out}\n${first.err}`);
    log(first.out);
    results.first_import = { seconds: first.seconds, peak_rss_mb: first.peakMb };
    const second = await runCli(['import', 'litellm', '--from', sourceUrl, '--config', configPath], env);
    if (second.code !== 0) throw new Error(`second import failed:\n${second.out}\n${second.err}`);
    log(second.out);
    const changed = second.out.split('\n').filter((l) => l.includes('→')).map((l) => l.trim().split(/\s+/).slice(-6).map(Number)).filter(([, ins, upd, , del]) => ins + upd + del > 0);
    results.second_import = { seconds: second.seconds, peak_rss_mb: second.peakMb, rows_changed: changed.length };
    results.target_rows = await withClient(targetUrl, async (c) => {
      const n = async (tbl) => Number((await c.query(`SELECT count(*) AS n FROM ${tbl}`)).rows[0].n);
      return { keys: await n('sluice_virtual_keys'), teams: await n('sluice_teams'), users: await n('sluice_users'), team_members: await n('sluice_team_members'), spend_logs: await n('sluice_spend_logs') };
    });

    // A sample of imported keys against the gateway on the target.
    const gateway = spawn(process.execPath, ['--no-node-snapshot', join(root, 'bin/sluice.js'), 'start', '--config', configPath, '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [, address] = await waitForLine(gateway, /listening on (http:\/\/[\d.:]+)/);
      const base = address.replace('0.0.0.0', '127.0.0.1');
      const call = async (k) => {
        const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] }) });
        return { status: r.status, body: (await r.text()).slice(0, 160) };
      };
      results.sample_calls = {
        [keyOf(1)]: await call(keyOf(1)),
        [`${keyOf(2)} (spent its budget in LiteLLM)`]: await call(keyOf(2)),
        [`${keyOf(3)} (blocked in LiteLLM)`]: await call(keyOf(3)),
        [keyOf(9999)]: await call(keyOf(9999)),
      };
      const info = await fetch(`${base}/key/info?key=${keyOf(42)}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      const { info: k42 } = await info.json();
      results.key_42 = { spend: k42.spend, max_budget: k42.max_budget, rpm_limit: k42.rpm_limit, budget_duration: k42.budget_duration, team_id: k42.team_id };
    } finally {
      gateway.kill('SIGTERM');
    }
  } finally {
    mock.kill();
    await withClient(adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS litellm_bench_${process.pid} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS sluice_bench_${process.pid} WITH (FORCE)`);
    });
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
