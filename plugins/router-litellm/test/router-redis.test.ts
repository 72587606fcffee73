/**
 * Cooldowns shared through Redis between two real gateway processes (`bin/sluice.js start`), as
 * an operator runs them: one instance sees a deployment fail, the other stops using it too.
 *
 * The processes run a private build (tsc into a temp folder that links back to plugins/, schemas/,
 * config/ and node_modules/), so this test never rewrites the dist/ that other tests and the
 * benchmark use while they run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, deleteRedisKeys, uniqueTag } from '../../../test/support/backends.js';
import { tempDir } from '../../../test/support/gateway.js';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import { freePort } from '../../../test/support/processes.js';
import { MASTER_KEY, UPSTREAM_500, sleep, upstream } from './router-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Settings of the host that would change what the processes do. */
const HOST_ONLY = ['SLUICE_MASTER_KEY', 'LITELLM_MASTER_KEY', 'DATABASE_URL', 'REDIS_URL', 'REDIS_HOST', 'PORT', 'SLUICE_DATA_DIR', 'LOG_LEVEL', 'NODE_OPTIONS'];

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  hasExited(): boolean;
}

const running: Proc[] = [];

function spawnProc(args: string[], env: NodeJS.ProcessEnv, cwd: string): Proc {
  // Own process group, so that a test that fails half-way can still stop the whole tree.
  const child = spawn(process.execPath, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let done = false;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((r) =>
    child.on('close', (code) => {
      done = true;
      r(code);
    }),
  );
  const proc = { child, output: () => out, exited, hasExited: () => done };
  running.push(proc);
  return proc;
}

async function stop(proc: Proc): Promise<void> {
  if (proc.hasExited() || proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const killed = await Promise.race([proc.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!killed) {
    try {
      process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      /* gone in between */
    }
    await proc.exited;
  }
}

async function waitReady(proc: Proc, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`gateway exited before it was ready:\n${proc.output()}`);
    try {
      if ((await fetch(`${url}/health/readiness`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`gateway not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

const LINKED = ['plugins', 'schemas', 'config', 'node_modules', 'package.json'];

/** Compiles the sources into `<root>/dist` of a temp root laid out like the package. */
async function privateBuild(): Promise<string> {
  const root = tempDir('sluice-router-build-');
  for (const name of LINKED) symlinkSync(join(ROOT, name), join(root, name));
  mkdirSync(join(root, 'bin'));
  // Copies: a link would resolve back to ROOT/dist.
  for (const file of ['sluice.js', 'node-flags.js']) copyFileSync(join(ROOT, 'bin', file), join(root, 'bin', file));
  // The linked node_modules resolve @sluice/plugin-sdk to ROOT/plugin-sdk: its dist/ is built first, as `npm run build` does.
  const sdk = spawnProc([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'plugin-sdk/tsconfig.json'], process.env, ROOT);
  const sdkCode = await sdk.exited;
  running.splice(running.indexOf(sdk), 1);
  if (sdkCode !== 0) throw new Error(`SDK build failed:\n${sdk.output()}`);
  const tsc = spawnProc([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', join(root, 'dist')], process.env, ROOT);
  const code = await tsc.exited;
  running.splice(running.indexOf(tsc), 1);
  // Other plugins may be mid-edit; only errors in what this test runs stop it (tsc emits anyway).
  const blocking = tsc.output().split('\n').filter((l) => /error TS/.test(l) && /^(kernel|plugin-sdk|schemas|plugins\/(router-litellm|provider-openai-compatible|auth-master-key))\//.test(l));
  if (code !== 0 && blocking.length > 0) throw new Error(`build failed:\n${blocking.join('\n')}`);
  return root;
}

describe.skipIf(!backends.redis)(`router-litellm: cooldowns shared through Redis by two gateway processes${backends.redis ? '' : ` (skipped: ${backends.skipReason.redis})`}`, () => {
  let buildRoot: string;
  const tag = uniqueTag();
  const idA = `rl-${tag}-A`;
  const idB = `rl-${tag}-B`;

  beforeAll(async () => {
    buildRoot = await privateBuild();
  }, 180_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map(stop));
  });

  afterAll(async () => {
    if (buildRoot) {
      for (const name of LINKED) unlinkSync(join(buildRoot, name)); // the links first: never follow them
      rmSync(buildRoot, { recursive: true, force: true });
    }
    if (backends.redis) await deleteRedisKeys(backends.redis, `sluice:router:fails:rl-${tag}-`);
  });

  async function startInstance(a: MockOpenAI, b: MockOpenAI): Promise<{ url: string; proc: Proc }> {
    const dir = tempDir('sluice-router-redis-');
    const config = {
      model_list: [
        { model_name: 'g', litellm_params: { model: 'openai/up-model', api_base: a.url, api_key: 'sk-up-x' }, model_info: { id: idA } },
        { model_name: 'g', litellm_params: { model: 'openai/up-model', api_base: b.url, api_key: 'sk-up-x' }, model_info: { id: idB } },
      ],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { num_retries: 0, allowed_fails: 1, cooldown_time: 10 },
      storage: { data_dir: join(dir, 'data') },
    };
    const file = join(dir, 'config.yaml');
    writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of HOST_ONLY) delete env[name];
    env.REDIS_URL = backends.redis;
    const proc = spawnProc(['--no-node-snapshot', join(buildRoot, 'bin', 'sluice.js'), 'start', '--config', file, '--port', String(port), '--host', '127.0.0.1'], env, dir);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(proc, url);
    return { url, proc };
  }

  async function call(url: string): Promise<{ status: number; servedBy: string | null }> {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'g', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.arrayBuffer();
    return { status: res.status, servedBy: res.headers.get('x-litellm-model-id') };
  }

  it('a deployment that failed on one instance is out of rotation on the other within a second, and back on both after cooldown_time', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const [one, two] = await Promise.all([startInstance(a, b), startInstance(a, b)]);

    // Instance one calls until A failed twice: one more failure than allowed_fails.
    for (let i = 0; i < 60 && a.requests.length < 2; i++) await call(one.url);
    expect(a.requests).toHaveLength(2);
    const cooledAt = Date.now();
    // The log line comes through the child's stdout pipe, which may lag the HTTP answer.
    for (let i = 0; i < 50 && !one.proc.output().includes('deployment cooling down'); i++) await sleep(20);
    expect(one.proc.output()).toContain('deployment cooling down');

    // Pub/sub lands in a few ms when idle; a second leaves room for a loaded CI machine.
    await sleep(1_000);
    const onTwo = [];
    for (let i = 0; i < 30; i++) onTwo.push(await call(two.url));
    expect(Date.now() - cooledAt).toBeLessThan(10_000); // still inside the cooldown (10 s: room for a loaded CI machine)
    expect(onTwo.filter((r) => r.status !== 200 || r.servedBy !== idB)).toEqual([]); // 2^-30 odds by chance
    expect(a.requests).toHaveLength(2);
    expect(two.proc.output()).not.toContain('deployment cooling down'); // it only heard the announcement

    // After cooldown_time, instance two uses A again.
    a.behaviour.fail = undefined;
    await sleep(Math.max(0, 10_100 - (Date.now() - cooledAt)));
    const after = [];
    for (let i = 0; i < 30 && a.requests.length < 3; i++) after.push(await call(two.url));
    expect(a.requests).toHaveLength(3);
    expect(after.at(-1)).toEqual({ status: 200, servedBy: idA });
  }, 60_000);
});
