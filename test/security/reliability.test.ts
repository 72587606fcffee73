/**
 * Issue 12, reliability: items 21 (shutdown under signals sent to the process group) and 22
 * (budgets under bursts). Item 21 runs Sluice as an operator does, `npm start` and the `sluice`
 * bin in child processes; item 22 runs two instances sharing Postgres + Redis.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import type { LimitScope, Logger, PluginContext } from '@sluice/plugin-sdk';
import { hashKey, keyNameOf, newRecord } from '../../plugins/governance-tenancy/src/key-record.js';
import { MIGRATIONS as TENANCY_MIGRATIONS } from '../../plugins/governance-tenancy/src/migrations.js';
import { SpendAccumulator } from '../../plugins/governance-tenancy/src/spend-accumulator.js';
import { openStores } from '../../plugins/governance-tenancy/src/tenancy-deps.js';
import { budgetConfig, burst, CHATTY_COST, expectRecordedSpend, scopesAuthPlugin } from '../../plugins/budget/test/support.js';
import { backends, createPostgresSchema, deleteRedisKeys, uniqueTag } from '../support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { cleanEnv, forget, freePort, killLeftovers, portRefuses, ROOT, sleep, spawnProc, waitReady, withTimeout, type Proc } from '../support/processes.js';

const MASTER_KEY = 'sk-reliability-master-2718';
/** $0.001 per prompt token, $0.002 per completion token: the mock's 7 + 5 tokens cost $0.017. */
const CALL_COST = 7 * 0.001 + 5 * 0.002;

function sqlite(file: string): Knex {
  return knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
}

function writeConfig(dir: string, upstreamUrl: string, dataDir: string, extra: string[] = []): string {
  const file = join(dir, 'sluice.yaml');
  writeFileSync(
    file,
    [
      'model_list:',
      '  - model_name: slow-gpt',
      '    litellm_params:',
      '      model: openai/gpt-4o-mini',
      `      api_base: ${upstreamUrl}`,
      '      api_key: sk-upstream-1234',
      '      timeout: 60',
      '    model_info:',
      '      input_cost_per_token: 0.001',
      '      output_cost_per_token: 0.002',
      'general_settings:',
      `  master_key: ${MASTER_KEY}`,
      'storage:',
      `  data_dir: ${dataDir}`,
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

async function chat(port: number, key: string): Promise<{ status: number; requestId: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow-gpt', messages: [{ role: 'user', content: 'hello there' }] }),
  });
  await res.text();
  return { status: res.status, requestId: res.headers.get('x-request-id') };
}

async function generateKey(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: 'reliability' }),
  });
  const body = (await res.json()) as { key: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.key;
}

/** Resolves once the upstream holds `n` requests: those calls are in flight in the gateway. */
async function upstreamHolds(mock: MockOpenAI, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (mock.requests.length < n) {
    if (Date.now() > deadline) throw new Error(`the upstream saw ${mock.requests.length} of ${n} requests`);
    await sleep(20);
  }
}

const kill = (pid: number) => {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* gone already */
  }
};

/** The gateway: the last of `proc`'s line of descendants (npm → node, or bin/sluice.js → its re-executed node). */
function gatewayPid(proc: Proc): number {
  let pid = proc.child.pid!;
  for (;;) {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (children === '') return pid;
    pid = Number(children.split(' ')[0]);
  }
}

/**
 * What Ctrl-C or systemd does: SIGTERM to the whole group; the parent (npm, bin/sluice.js) then
 * forwards its copy to the gateway. The kernel merges two copies that arrive before the first was
 * handled, so whether the forwarded one counts is down to timing: it is sent again 100 ms later,
 * as a slower parent would, so that the gateway surely sees the duplicate.
 */
async function signalGroup(proc: Proc): Promise<void> {
  const gateway = gatewayPid(proc);
  kill(-proc.child.pid!);
  await sleep(100);
  kill(gateway);
}

let built: Promise<void> | undefined;

/** `npm start` builds too; building here first keeps that step short and its errors readable. Once per file. */
function buildOnce(): Promise<void> {
  built ??= (async () => {
    const build = spawnProc('npm', ['run', 'build'], ROOT, process.env);
    const { code } = await withTimeout(build.exited, 150_000, 'npm run build');
    forget(build);
    if (code !== 0) throw new Error(`npm run build failed:\n${build.stdout()}${build.stderr()}`);
  })();
  return built;
}

/** For a describe running Sluice in child processes: the build once, a fresh upstream per test, leftovers killed after. */
function childProcessSuite(): { mock(): MockOpenAI } {
  let mock: MockOpenAI | undefined;
  beforeAll(buildOnce, 180_000);
  beforeEach(async () => {
    mock = await startMockOpenAI({ usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 } });
  });
  afterEach(async () => {
    await killLeftovers();
    await mock?.close();
  });
  return { mock: () => mock! };
}

/**
 * Starts `bin/sluice.js`, serves `done` calls with `key` (minted by `/key/generate` when absent),
 * holds one more at the upstream so the drain waits, then forces the exit as an operator does: the
 * group's SIGTERM (its duplicate does not force anything) and a second one 2.5 s later.
 */
async function forceExitUnderLoad(mock: MockOpenAI, config: string, cwd: string, calls: number, virtualKey: boolean): Promise<{ key: string; done: { status: number; requestId: string | null }[] }> {
  const port = await freePort();
  const sluice = spawnProc(process.execPath, [join(ROOT, 'bin', 'sluice.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], cwd, cleanEnv());
  await waitReady(sluice, port, 30_000);
  const key = virtualKey ? await generateKey(port) : MASTER_KEY;

  const done = await Promise.all(Array.from({ length: calls }, () => chat(port, key)));
  expect(done.map((r) => r.status)).toEqual(done.map(() => 200));

  // A call the upstream holds for a minute keeps the drain waiting: only a forced exit ends it.
  mock.behaviour.delayMs = 60_000;
  const stuck = chat(port, MASTER_KEY).catch(() => ({ status: 0, requestId: null }));
  await upstreamHolds(mock, calls + 1);
  await signalGroup(sluice); // bin/sluice.js and the gateway it re-executed both get it
  await sleep(2_500);
  expect(sluice.hasExited()).toBe(false); // still draining: the duplicate did not force it
  kill(-sluice.child.pid!); // the operator's second Ctrl-C
  const exit = await withTimeout(sluice.exited, 10_000, 'sluice after the second SIGTERM');
  expect(exit.code).not.toBe(0);
  expect(sluice.stdout()).toContain('exiting without waiting');
  await stuck;
  return { key, done };
}

describe('item 21: shutdown when the signal reaches the whole process group', () => {
  const upstream = childProcessSuite();

  it('SIGTERM to the process group of `npm start` under load: no in-flight call fails and every completed call is in the spend log and the key spend', async () => {
    const mock = upstream.mock();
    const cwd = tempDir('sluice-reliability-');
    const dataDir = join(cwd, 'state');
    const config = writeConfig(cwd, mock.url, dataDir);
    const port = await freePort();
    const npm = spawnProc('npm', ['--prefix', ROOT, 'start', '--', '--config', config, '--port', String(port), '--host', '127.0.0.1'], cwd, cleanEnv());
    await waitReady(npm, port, 90_000);
    const key = await generateKey(port);

    const done = await Promise.all(Array.from({ length: 20 }, () => chat(port, key)));
    expect(done.map((r) => r.status)).toEqual(done.map(() => 200));

    // Ten more calls held by a slow upstream, then Ctrl-C / systemd stop / kill -TERM -<pgid>.
    mock.behaviour.delayMs = 1_500;
    const inFlight = Promise.all(Array.from({ length: 10 }, () => chat(port, key).catch(() => ({ status: 0, requestId: null }))));
    await upstreamHolds(mock, 30);
    await signalGroup(npm);

    const late = await withTimeout(inFlight, 20_000, 'calls in flight at SIGTERM');
    expect(late.map((r) => r.status)).toEqual(late.map(() => 200));
    await withTimeout(npm.exited, 20_000, 'npm start after SIGTERM');
    expect(await portRefuses(port)).toBe(true);
    expect(npm.stdout()).not.toContain('exiting without waiting');

    const db = sqlite(join(dataDir, 'sluice.db'));
    try {
      const ids = [...done, ...late].map((r) => r.requestId);
      const rows = (await db('sluice_spend_logs').select('request_id', 'spend')) as { request_id: string; spend: number }[];
      expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
      for (const r of rows) expect(Number(r.spend)).toBeCloseTo(CALL_COST, 9);
      const keys = (await db('sluice_virtual_keys').select('spend')) as { spend: number }[];
      expect(keys).toHaveLength(1);
      expect(Number(keys[0]!.spend)).toBeCloseTo(30 * CALL_COST, 9);
    } finally {
      await db.destroy();
    }
  }, 240_000);

  it('a second SIGTERM after the duplicate window forces the exit, and the spend rows still queued go to the spill file, replayed on the next start', async () => {
    const mock = upstream.mock();
    const cwd = tempDir('sluice-reliability-');
    const dataDir = join(cwd, 'state');
    // Spend rows stay queued in memory (a database that is slow or down has the same effect).
    const config = writeConfig(cwd, mock.url, dataDir, ['plugins:', '  - use: spend-logs', '    config:', '      flush_interval_ms: 600000']);
    const { done } = await forceExitUnderLoad(mock, config, cwd, 5, false);

    const spill = join(dataDir, 'plugins', 'spend-logs', 'spend-logs.spill.jsonl');
    expect(existsSync(spill)).toBe(true);
    const spilled = readFileSync(spill, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { request_id: string }).request_id);
    expect(spilled.sort()).toEqual(done.map((r) => r.requestId).sort());

    // The next start writes them.
    const next: TestGateway = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY }, storage: { data_dir: dataDir } });
    const db = sqlite(join(dataDir, 'sluice.db'));
    try {
      const deadline = Date.now() + 10_000;
      let rows: { request_id: string }[] = [];
      while (rows.length < done.length && Date.now() < deadline) {
        rows = (await db('sluice_spend_logs').select('request_id')) as { request_id: string }[];
        await sleep(100);
      }
      expect(rows.map((r) => r.request_id).sort()).toEqual(done.map((r) => r.requestId).sort());
    } finally {
      await db.destroy();
      await next.close();
    }
  }, 120_000);
});

describe('item 21: key spend survives a forced exit', () => {
  const upstream = childProcessSuite();

  it("the key's spend accumulated in memory is spilled at a forced exit and added once by the next start on the same data dir", async () => {
    const mock = upstream.mock();
    const cwd = tempDir('sluice-reliability-');
    const dataDir = join(cwd, 'state');
    // The key's spend stays in memory until a flush that never comes before the exit.
    const config = writeConfig(cwd, mock.url, dataDir, ['plugins:', '  - use: governance-tenancy', '    config:', '      spend_flush_interval_ms: 600000']);
    const calls = 6;
    const { key } = await forceExitUnderLoad(mock, config, cwd, calls, true);

    const spill = join(dataDir, 'plugins', 'governance-tenancy', 'record-spend.spill.jsonl');
    const next: TestGateway = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY }, storage: { data_dir: dataDir } });
    const keySpend = async (): Promise<number> => {
      const res = await fetch(`${next.url}/key/info?key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      const body = (await res.json()) as { info: { spend: number } };
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body.info.spend;
    };
    try {
      const deadline = Date.now() + 10_000;
      while ((await keySpend()) < calls * CALL_COST - 1e-9 && Date.now() < deadline) await sleep(100);
      expect(await keySpend()).toBeCloseTo(calls * CALL_COST, 9);
      expect(existsSync(spill)).toBe(false);
    } finally {
      await next.close();
    }

    // Once: a third start on the same data dir adds nothing more.
    const third: TestGateway = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY }, storage: { data_dir: dataDir } });
    await third.close();
    const db = sqlite(join(dataDir, 'sluice.db'));
    try {
      const keys = (await db('sluice_virtual_keys').select('spend')) as { spend: number }[];
      expect(keys).toHaveLength(1);
      expect(Number(keys[0]!.spend)).toBeCloseTo(calls * CALL_COST, 9);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});

describe('item 21: a forced exit keeps the spend rows still queued', () => {
  const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

  it('the batch writer appends its queue to the spill file synchronously at exit, and the next writer replays it', async () => {
    const dataDir = tempDir('sluice-spill-');
    const written: number[] = [];
    const failing = new BatchWriter<number>({ name: 'rows', dataDir, log: quiet, intervalMs: 60_000, write: async () => Promise.reject(new Error('down')) });
    for (let i = 0; i < 7; i++) failing.push(i);
    // What process.on('exit') runs: no event loop, so nothing asynchronous may be left to do.
    failing.spillOnExit();
    expect(readFileSync(join(dataDir, 'rows.spill.jsonl'), 'utf8').trim().split('\n').map(Number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await failing.close(); // nothing left to spill

    const next = new BatchWriter<number>({ name: 'rows', dataDir, log: quiet, intervalMs: 60_000, write: async (rows) => void written.push(...rows) });
    await next.close();
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(existsSync(join(dataDir, 'rows.spill.jsonl'))).toBe(false);
  });

  it("records' spend: a batch whose commit went through just before the exit is spilled, and replaying it adds nothing", async () => {
    const dataDir = tempDir('sluice-spill-');
    const knex = sqlite(join(dataDir, 'sluice.db'));
    try {
      for (const m of TENANCY_MIGRATIONS) await m.up(knex);
      const token = hashKey('sk-mid-commit');
      await openStores({ database: { knex } } as unknown as PluginContext).keys.insert(newRecord(token, keyNameOf('sk-mid-commit'), {}, Date.now()));
      const keySpend = async () => Number(((await knex('sluice_virtual_keys').where('token_hash', token).first('spend')) as { spend: number }).spend);

      // The transaction commits, then its acknowledgement never arrives: the process exits first.
      let committed!: () => void;
      const commit = new Promise<void>((r) => (committed = r));
      const unacknowledged = new Proxy(knex, {
        get: (target, prop, receiver) =>
          prop === 'transaction'
            ? async (fn: (trx: Knex.Transaction) => Promise<unknown>) => {
                await target.transaction(fn);
                committed();
                return new Promise(() => undefined);
              }
            : Reflect.get(target, prop, receiver),
      });
      const ctxOf = (k: Knex) => ({ dataDir, log: quiet, now: Date.now, database: { knex: k } }) as unknown as PluginContext;
      const exiting = new SpendAccumulator(ctxOf(unacknowledged), openStores(ctxOf(knex)), 60_000);
      exiting.add('key', token, 0.25);
      void exiting.close();
      await commit;
      exiting.add('key', token, 0.5); // spent after the batch was taken: known not written
      (exiting as unknown as { writer: BatchWriter<unknown> }).writer.spillOnExit(); // what process.on('exit') runs
      expect(await keySpend()).toBeCloseTo(0.25, 9);

      const next = new SpendAccumulator(ctxOf(knex), openStores(ctxOf(knex)), 60_000);
      await next.close();
      expect(await keySpend()).toBeCloseTo(0.75, 9);
      expect(existsSync(join(dataDir, 'record-spend.spill.jsonl'))).toBe(false);
    } finally {
      await knex.destroy();
    }
  });
});

const tag = uniqueTag();
let seq = 0;
const team = (fields: Partial<LimitScope>): LimitScope => ({ kind: 'team', id: `team-${tag}-${++seq}`, ...fields });

describe.skipIf(!backends.postgres || !backends.redis)(
  `item 22: a burst against a budget admits what fits (two instances sharing Postgres + Redis) ${backends.skipReason.postgres ?? backends.skipReason.redis ?? ''}`,
  () => {
    let pg: Awaited<ReturnType<typeof createPostgresSchema>>;
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      pg = await createPostgresSchema(backends.postgres!);
      const env = { DATABASE_URL: pg.url, REDIS_URL: backends.redis! };
      const authDir = scopesAuthPlugin();
      const config = budgetConfig({ budget: {} });
      // One after the other: both would run the migrations.
      a = await startGateway(config, { env, extraPluginDirs: [authDir] });
      b = await startGateway(config, { env, extraPluginDirs: [authDir] });
    });
    afterAll(async () => {
      await Promise.allSettled([a?.close(), b?.close()]);
      await pg?.drop();
      for (const marker of ['', 'seeded:', 'seed-done:']) await deleteRedisKeys(backends.redis!, `sluice:budget:${marker}team:team-${tag}`);
    });

    it('200 concurrent calls without max_tokens against a budget worth 5 calls admit at least 4, and spend stays within the budget plus one call', async () => {
      // Each instance has served the model before (under another budget), so it knows its replies' size.
      const warmUp = await burst([a, b], [team({ maxBudget: 100 })], 10, { model: 'chatty' });
      expect(warmUp.ok).toBe(10);

      const budget = 5 * CHATTY_COST;
      const scope = team({ maxBudget: budget });
      const { ok, statuses } = await burst([a, b], [scope], 200, { model: 'chatty' });
      expect([...statuses.keys()].sort()).toEqual(['200', '400 budget_exceeded']);
      expect(ok).toBeGreaterThanOrEqual(4);
      // The stated bound with estimates that cover the cost: the budget plus the call holding its last slice.
      await expectRecordedSpend(() => knexFactory({ client: 'pg', connection: pg.url }), scope, ok, CHATTY_COST, budget + CHATTY_COST);
    });

    it('an instance that has not served the model yet learns its reply size from the other instance', async () => {
      const warmUp = await burst([a], [team({ maxBudget: 100 })], 4, { model: 'chatty-b' });
      expect(warmUp.ok).toBe(4);
      await sleep(2_500); // instances share what they saw once a second (the budget plugin's tick)

      const budget = 5 * CHATTY_COST;
      const { ok } = await burst([b], [team({ maxBudget: budget })], 50, { model: 'chatty-b' });
      expect(ok).toBeGreaterThanOrEqual(4);
      expect(ok).toBeLessThanOrEqual(5);
    });
  },
);
