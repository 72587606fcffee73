// The governed target (issue 18): what a real deployment turns on, shared by run.mjs (target
// `sluice-governed` on SQLite + in-process counters, `sluice-governed-pg` on Postgres + Redis) and
// soak.mjs. Every call carries a virtual key from /key/generate with rpm, tpm,
// max_parallel_requests and a budget, belongs to a team with its own budget, passes the
// hide_secrets guardrail, and writes a spend row. The limits are never reached, so every call does
// the whole work; the model is priced, so the budget step reserves and settles real amounts.
import pg from 'pg';

/** YAML lines added to a target's config (the model entry's pricing and the always-on guardrail). */
export const GOVERNED_YAML = ['litellm_settings:', '  callbacks: ["hide_secrets"]'];

/** model_info lines for the bench model (indented under its model_list entry): a price, so budgets reserve. */
export const PRICED_MODEL_INFO = ['    model_info:', '      input_cost_per_token: 0.0000001', '      output_cost_per_token: 0.0000002'];

const LIMITS = { rpm_limit: 1_000_000_000, tpm_limit: 1_000_000_000_000, max_parallel_requests: 100_000, max_budget: 1_000_000_000 };

async function post(origin, path, masterKey, body) {
  const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Creates the team and the key through the management API; resolves to the headers a governed call sends. */
export async function provisionGoverned(origin, masterKey) {
  const team = await post(origin, '/team/new', masterKey, { team_alias: 'bench-team', max_budget: 1_000_000_000 });
  const { key } = await post(origin, '/key/generate', masterKey, { key_alias: 'bench-governed', team_id: team.team_id, ...LIMITS });
  return { authorization: `Bearer ${key}` };
}

/**
 * A database of its own on the Postgres at `adminUrl` (dropped by the returned `drop`), or null
 * when Postgres cannot be reached there.
 */
export async function freshPostgres(adminUrl) {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `sluice_bench_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Whether a Redis answers PING at `url` (host:port only; a raw RESP exchange, no client needed). */
export async function redisAnswers(url) {
  const { createConnection } = await import('node:net');
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
