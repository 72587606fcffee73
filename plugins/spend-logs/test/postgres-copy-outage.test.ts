/**
 * Spend rows reach Postgres through COPY FROM STDIN. When the server kills the COPY (a restart, an
 * operator's pg_terminate_backend) and keeps refusing until the gateway shuts down, every row is
 * kept: queued, then spilled past `max_queued` and at shutdown, then replayed by the next gateway.
 * Replaying the same spill file again (a crash between a commit and the file's removal) counts
 * nothing twice.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { DATABASE_BACKENDS, until } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';

const postgres = DATABASE_BACKENDS.find((b) => b.name === 'Postgres')!;
const CALLS = 150;

function config(dataDir: string): SluiceConfig {
  return {
    model_list: [{ model_name: 'm1', litellm_params: { model: 'fake/m1', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 } }],
    general_settings: { master_key: MASTER_KEY },
    storage: { data_dir: dataDir },
    // Small batches and a small queue, so the outage both queues and spills.
    plugins: [{ use: 'spend-logs', config: { flush_interval_ms: 50, max_batch: 40, max_queued: 60 } }],
  } as SluiceConfig;
}

async function chat(gw: TestGateway, i: number): Promise<void> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    // Tabs, newlines and backslashes in what the row stores: COPY's text format must escape them.
    body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: `call ${i}` }], metadata: { tags: ['copy-outage', `odd\t\\tag\n${i % 3}`] } }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  await res.arrayBuffer();
}

/** Terminates every COPY into the spend log until stopped: the database "dies" mid-COPY, again and again. */
function killCopies(knex: Knex): { killed: () => number; stop: () => Promise<void> } {
  let on = true;
  let killed = 0;
  const loop = (async () => {
    while (on) {
      const { rows } = (await knex.raw(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE 'COPY "sluice_spend_logs"%' AND pid <> pg_backend_pid()`)) as { rows: { ok: boolean }[] };
      killed += rows.filter((r) => r.ok).length;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { killed: () => killed, stop: async () => ((on = false), await loop) };
}

describe.skipIf(postgres.skip !== undefined)(`spend logs on Postgres through COPY outages${postgres.skip ? ` (skipped: ${postgres.skip})` : ''}`, () => {
  it('COPY killed mid-stream until shutdown: rows spill, the next gateway replays them, a second replay counts nothing twice', async () => {
    const db = await postgres.open();
    const dataDir = tempDir();
    const spillFile = join(dataDir, 'plugins', 'spend-logs', 'spend-logs.spill.jsonl');
    const count = async () => {
      const [log] = (await db.knex('sluice_spend_logs').count({ n: '*' })) as { n: unknown }[];
      const [daily] = (await db.knex('sluice_spend_daily').sum({ n: 'api_requests' })) as { n: unknown }[];
      const [tagged] = (await db.knex('sluice_spend_daily_tags').where('tag', 'copy-outage').sum({ n: 'api_requests' })) as { n: unknown }[];
      return { log: Number(log!.n), daily: Number(daily!.n ?? 0), tagged: Number(tagged!.n ?? 0) };
    };
    let gw: TestGateway | undefined;
    try {
      gw = await startGateway(config(dataDir), { env: db.env });
      // SHARE mode lets the writer's key probe (a SELECT) through and holds its COPY at the lock.
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding = () => {};
      const held = new Promise<void>((resolve) => (holding = resolve));
      const locked = db.knex.transaction(async (trx) => {
        await trx.raw('LOCK TABLE sluice_spend_logs IN SHARE MODE');
        holding();
        await released;
      });
      await held;
      const killer = killCopies(db.knex);
      const first = gw;
      for (let i = 0; i < CALLS; i += 25) await Promise.all(Array.from({ length: Math.min(25, CALLS - i) }, (_, j) => chat(first, i + j)));
      await until(async () => killer.killed() > 0 && first.logs.some((l) => l.includes('writing to the database failed')));
      await until(async () => existsSync(spillFile)); // past max_queued
      await gw.close(); // still failing: the rest is spilled at shutdown
      gw = undefined;
      await killer.stop();
      release();
      await locked;
      expect(await count()).toEqual({ log: 0, daily: 0, tagged: 0 });
      const spilled = readFileSync(spillFile, 'utf8').trim().split('\n');
      expect(new Set(spilled.map((l) => (JSON.parse(l) as { request_id: string }).request_id)).size).toBe(CALLS);
      const saved = join(dataDir, 'spill-copy.jsonl');
      copyFileSync(spillFile, saved);

      gw = await startGateway(config(dataDir), { env: db.env });
      await until(async () => (await count()).log === CALLS && !existsSync(spillFile));
      expect(await count()).toEqual({ log: CALLS, daily: CALLS, tagged: CALLS });
      const stored = (await db.knex('sluice_spend_logs').select('request_tags').limit(3)) as { request_tags: string }[];
      expect(stored.map((r) => JSON.parse(r.request_tags) as string[]).flat()).toContain('odd\t\\tag\n0');
      await gw.close();
      gw = undefined;

      // The same rows replayed once more: the log's request id turns them all away, rollups unchanged.
      copyFileSync(saved, spillFile);
      gw = await startGateway(config(dataDir), { env: db.env });
      const third = gw;
      await until(async () => !existsSync(spillFile) && third.logs.some((l) => l.includes('replayed rows from the spill file')));
      expect(await count()).toEqual({ log: CALLS, daily: CALLS, tagged: CALLS });
    } finally {
      await gw?.close();
      await db.drop();
    }
  }, 120_000);
});
