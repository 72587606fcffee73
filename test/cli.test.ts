/**
 * The `sluice` command as an operator runs it: the real bin in a child process, in a fresh working
 * directory, with none of the host's Sluice/LiteLLM environment.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../bin/node-flags.js';
import { tempDir } from './support/gateway.js';
import { startMockOpenAI } from './support/mock-openai.js';
import { cleanEnv, forget, freePort, killLeftovers, portRefuses, ROOT, sleep, spawnProc, waitReady, withTimeout, type Proc } from './support/processes.js';

const BIN = join(ROOT, 'bin', 'sluice.js');
const DEFAULT_CONFIG = join(ROOT, 'config', 'default.yaml');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const sluice = (args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()) => spawnProc(process.execPath, [BIN, ...args], cwd, env);

/** Runs a command that ends by itself. */
async function sluiceRun(args: string[], cwd = tempDir('sluice-cli-')): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = sluice(args, cwd);
  const { code } = await withTimeout(p.exited, 20_000, `sluice ${args.join(' ')}`);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

// Anything a failed test left running: kill its whole process group.
afterEach(killLeftovers);

async function stop(proc: Proc, group = false): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  process.kill(group ? -proc.child.pid! : proc.child.pid!, 'SIGTERM');
  return withTimeout(proc.exited, 15_000, 'stopping after SIGTERM');
}

async function chat(port: number, key: string, model = 'gpt-3.5-turbo'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectCompletion(result: { status: number; body: Record<string, unknown> }): void {
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  const choices = result.body.choices as { message: { role: string; content: string } }[];
  expect(choices).toHaveLength(1);
  expect(choices[0]!.message.role).toBe('assistant');
  expect(choices[0]!.message.content.length).toBeGreaterThan(0);
}

/** stdout is a pipe here, so every log line must be JSON. */
function logLines(proc: Proc): { level: number; msg: string }[] {
  return proc
    .stdout()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as { level: number; msg: string };
      } catch {
        throw new Error(`a stdout line is not JSON: ${l}`);
      }
    });
}

function writeConfig(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  // The bin runs dist/: compile the current sources once, the SDK package first (as `npm run build`).
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const project of ['plugin-sdk/tsconfig.json', 'tsconfig.build.json']) {
    const build = spawnProc(process.execPath, [tsc, '-p', project], ROOT, process.env);
    const { code } = await withTimeout(build.exited, 120_000, 'tsc build');
    forget(build);
    if (code !== 0) throw new Error(`npm run build failed:\n${build.stdout()}${build.stderr()}`);
  }
}, 150_000);

describe('sluice start', () => {
  it('generates a master key on first start, prints it once, keeps it, and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir('sluice-cli-');
    const port = await freePort();
    const args = ['start', '--config', DEFAULT_CONFIG, '--port', String(port), '--host', '127.0.0.1'];

    const first = sluice(args, cwd);
    await waitReady(first, port);
    const printed = /^\s*(sk-[A-Za-z0-9_-]{20,})\s*$/m.exec(first.stderr());
    expect(printed, first.stderr()).not.toBeNull();
    const key = printed![1]!;
    expect(first.stderr().split(key)).toHaveLength(2); // shown exactly once
    expect(first.stdout()).not.toContain(key); // and never logged

    const keyFile = join(cwd, 'data', 'plugins', 'auth-master-key', 'master.key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    expectCompletion(await chat(port, key));
    expect((await chat(port, 'sk-not-the-key')).status).toBe(401);

    expect(await stop(first)).toEqual({ code: 0, signal: null });
    const logs = logLines(first);
    expect(logs.some((l) => l.msg.includes(`listening on`))).toBe(true);
    expect(logs.some((l) => l.msg.includes('SIGTERM'))).toBe(true);

    // Second start in the same directory: the stored key is used, not printed again.
    const second = sluice(args, cwd);
    await waitReady(second, port);
    expect(second.stderr()).not.toContain(key);
    expect(second.stderr()).not.toMatch(/generated a master key/i);
    expectCompletion(await chat(port, key));
    expect(await stop(second)).toEqual({ code: 0, signal: null });
    expect(second.stdout()).not.toContain(key);
    expect(await portRefuses(port)).toBe(true);
  });

  it('runs the gateway with the Node flags it ships with (bin/node-flags.js), as `npm start` does', async () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    for (const flag of NODE_FLAGS) expect(start.split(' ')).toContain(flag);

    const cwd = tempDir('sluice-cli-');
    const port = await freePort();
    const proc = sluice(['start', '--config', DEFAULT_CONFIG, '--port', String(port), '--host', '127.0.0.1'], cwd);
    await waitReady(proc, port);
    // bin/sluice.js re-executed itself: the gateway is its child.
    const pid = proc.child.pid!;
    const [gateway] = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ');
    const argv = readFileSync(`/proc/${gateway}/cmdline`, 'utf8').split('\0');
    for (const flag of NODE_FLAGS) expect(argv).toContain(flag);
    expect(await stop(proc)).toEqual({ code: 0, signal: null });

    // A flag the operator set wins over ours.
    const tuned = sluice(['start', '--config', DEFAULT_CONFIG, '--port', String(port), '--host', '127.0.0.1'], cwd, cleanEnv({ NODE_OPTIONS: '--max-semi-space-size=8' }));
    await waitReady(tuned, port);
    const [child] = readFileSync(`/proc/${tuned.child.pid}/task/${tuned.child.pid}/children`, 'utf8').trim().split(' ');
    const childArgv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
    expect(childArgv).toContain('--no-node-snapshot');
    expect(childArgv.some((a) => a.startsWith('--max-semi-space-size'))).toBe(false);
    expect(await stop(tuned)).toEqual({ code: 0, signal: null });
  });

  it('listens on $PORT when --port is not given', async () => {
    const cwd = tempDir('sluice-cli-');
    const port = await freePort();
    const proc = sluice(['start', '--config', DEFAULT_CONFIG, '--host', '127.0.0.1'], cwd, cleanEnv({ PORT: String(port) }));
    await waitReady(proc, port);
    const key = readFileSync(join(cwd, 'data', 'plugins', 'auth-master-key', 'master.key'), 'utf8').trim();
    expectCompletion(await chat(port, key));
    expect(await stop(proc)).toEqual({ code: 0, signal: null });
  });

  it('runs the same way through `npm start -- --config FILE --port N` (which builds first)', async () => {
    const cwd = tempDir('sluice-cli-');
    const dataDir = join(cwd, 'state');
    const masterKey = 'sk-npm-start-master-31415';
    const config = writeConfig(
      cwd,
      'sluice.yaml',
      [
        'model_list:',
        '  - model_name: gpt-3.5-turbo',
        '    litellm_params:',
        '      model: fake/gpt-3.5-turbo',
        'general_settings:',
        `  master_key: ${masterKey}`,
        'storage:',
        `  data_dir: ${dataDir}`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const npm = spawnProc('npm', ['--prefix', ROOT, 'start', '--', '--config', config, '--port', String(port), '--host', '127.0.0.1'], cwd, cleanEnv());
    await waitReady(npm, port, 60_000);
    expectCompletion(await chat(port, masterKey));
    expect(existsSync(join(dataDir, 'sluice.db'))).toBe(true);

    // As a terminal does on Ctrl-C / a supervisor on stop: the whole group gets the signal.
    // npm's own exit status is npm's business; the gateway must drain and let go of the port.
    await stop(npm, true);
    const deadline = Date.now() + 10_000;
    while (!(await portRefuses(port)) && Date.now() < deadline) await sleep(100);
    expect(await portRefuses(port)).toBe(true);
  }, 120_000);

  it('starts a LiteLLM config unchanged: os.environ/ keys, environment_variables, and a warning for what it does not support', async () => {
    const mock = await startMockOpenAI({ reply: 'from upstream' });
    try {
      const cwd = tempDir('sluice-cli-');
      const config = writeConfig(
        cwd,
        'config.yaml',
        [
          'model_list:',
          '  - model_name: team-gpt',
          '    litellm_params:',
          '      model: openai/gpt-4o-mini',
          `      api_base: ${mock.url}`,
          '      api_key: os.environ/MY_UPSTREAM_KEY',
          'general_settings:',
          '  master_key: os.environ/MY_MASTER',
          'litellm_settings:',
          '  callbacks: ["helicone"]',
          '  request_timeout: 30',
          'router_settings:',
          '  routing_strategy: simple-shuffle',
          '  enable_pre_call_checks: true',
          'environment_variables:',
          '  MY_UPSTREAM_KEY: sk-up-123',
          '',
        ].join('\n'),
      );
      const master = 'sk-litellm-master-2718';
      const port = await freePort();
      const proc = sluice(['start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], cwd, cleanEnv({ MY_MASTER: master }));
      await waitReady(proc, port);

      const result = await chat(port, master, 'team-gpt');
      expectCompletion(result);
      expect((result.body.choices as { message: { content: string } }[])[0]!.message.content).toBe('from upstream');
      const upstream = mock.requests.at(-1)!;
      expect(upstream.path).toBe('/v1/chat/completions');
      expect(upstream.headers.authorization).toBe('Bearer sk-up-123');
      expect(upstream.body.model).toBe('gpt-4o-mini');

      expect(proc.stderr()).not.toMatch(/generated a master key/i);
      expect(await stop(proc)).toEqual({ code: 0, signal: null });

      const warnings = logLines(proc).filter((l) => l.level === 40).map((l) => l.msg);
      expect(warnings.find((w) => w.includes('helicone')), warnings.join('\n')).toMatch(/not yet supported/);
      expect(warnings.find((w) => w.includes('enable_pre_call_checks')), warnings.join('\n')).toMatch(/not yet supported/);
      expect(warnings.find((w) => w.includes('routing_strategy')), warnings.join('\n')).toBeUndefined(); // the router plugin reads it
      expect(proc.stdout()).not.toContain(master);
      expect(proc.stdout()).not.toContain('sk-up-123');
    } finally {
      await mock.close();
    }
  });
});

describe('sluice config check', () => {
  const hookLine = 'preAuth   AUTH      auth-master-key@1.0.0';

  it('prints Config OK, the plugins and the hook order', async () => {
    const { code, stdout, stderr } = await sluiceRun(['config', 'check', DEFAULT_CONFIG]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Config OK: ${DEFAULT_CONFIG}`);
    expect(stdout).toMatch(/^\s+auth-master-key@1\.0\.0\b/m);
    expect(stdout).toMatch(/^\s+provider-fake@1\.0\.0\b/m);
    expect(stdout).toMatch(new RegExp(`^\\s+${hookLine.replace(/[.]/g, '\\.')} \\(fail-closed\\)$`, 'm'));
  });

  it('names the file, the plugin entry, the field and the problem for a bad plugin config (exit 2)', async () => {
    const dir = tempDir('sluice-cli-');
    const file = writeConfig(dir, 'bad-plugin.yaml', 'plugins:\n  - use: provider-fake@^1\n    config: {delay_ms: "slow"}\n');
    const { code, stdout, stderr } = await sluiceRun(['config', 'check', file], dir);
    expect(code).toBe(2);
    expect(stdout).not.toContain('Config OK');
    expect(stderr).toContain(file);
    expect(stderr).toContain('plugins[0]');
    expect(stderr).toContain('delay_ms');
    expect(stderr).toMatch(/integer/);
  });

  it('names a plugin that is not installed', async () => {
    const dir = tempDir('sluice-cli-');
    const file = writeConfig(dir, 'missing.yaml', 'plugins:\n  - use: nonexistent@^1\n');
    const { code, stderr } = await sluiceRun(['config', 'check', file], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('plugins[0]');
    expect(stderr).toMatch(/no plugin named nonexistent is installed/);
  });

  it('says no installed version satisfies a range, and lists the installed ones', async () => {
    const dir = tempDir('sluice-cli-');
    const file = writeConfig(dir, 'range.yaml', 'plugins:\n  - use: provider-fake@^9\n');
    const { code, stderr } = await sluiceRun(['config', 'check', file], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no installed version of provider-fake satisfies \^9/);
    expect(stderr).toMatch(/installed: 1\.0\.0/);
  });

  it('names the line of invalid YAML', async () => {
    const dir = tempDir('sluice-cli-');
    const file = writeConfig(
      dir,
      'broken.yaml',
      // (A key given twice is no error: PyYAML, which LiteLLM reads configs with, keeps the last.)
      ['model_list:', '  - model_name: x', '    litellm_params:', '      model: fake/x', 'server:', '  port: 4000', '  host: 127.0.0.1: 4000', ''].join('\n'),
    );
    const { code, stderr } = await sluiceRun(['config', 'check', file], dir);
    expect(code).toBe(2);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(/invalid YAML/);
    expect(stderr).toMatch(/line 7\b/);
  });
});

describe('sluice migrate', () => {
  it('applies the kernel migrations once, then reports the database up to date', async () => {
    const dir = tempDir('sluice-cli-');
    const dataDir = join(dir, 'state');
    const file = writeConfig(dir, 'migrate.yaml', `storage:\n  data_dir: ${dataDir}\n`);

    const first = await sluiceRun(['migrate', '--config', file], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(dataDir);
    expect(first.stdout).toMatch(/applied .*kernel\/0001_kv/);

    const second = await sluiceRun(['migrate', '--config', file], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('kernel/0001_kv');
    expect(second.stdout).toMatch(/up to date/);
  });
});

describe('sluice, other commands', () => {
  it('prints its version', async () => {
    const { code, stdout } = await sluiceRun(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`sluice ${VERSION}`);
  });

  it('exits 2 on an unknown command, with the usage', async () => {
    const { code, stderr } = await sluiceRun(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown command: frobnicate');
    expect(stderr).toContain('Usage: sluice');
  });
});
