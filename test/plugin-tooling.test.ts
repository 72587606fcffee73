/**
 * The plugin author's loop, as the author runs it: init → build → pack → verify for each kind of
 * scaffold, what verify catches, and the `sluice plugin` commands with their exit codes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { create as createTar, list as listTar } from 'tar';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../kernel/cli/main.js';
import { PROJECT_ROOT } from '../kernel/paths.js';
import { KERNEL_API_VERSION, SluiceError, type PluginDefinition } from '@sluice/plugin-sdk';
import { createTestKernel } from '@sluice/plugin-sdk/testing';
import { buildPlugin, initPlugin, packageDigest, packPlugin, PLUGIN_KINDS, PluginToolingError, verifyPlugin, type PluginKind } from '@sluice/plugin-sdk/tooling';
import { MASTER_KEY, startGateway, tempDir } from './support/gateway.js';
import { KERNEL_API_RANGE } from './support/test-plugins.js';

const run = promisify(execFile);

async function tgzEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await listTar({ file, onReadEntry: (e) => void entries.push(e.path) });
  return entries;
}

/** What the sandbox does with plugin.js: evaluate it as a script, read globalThis.__sluicePlugin.default. */
function evaluateBundle(file: string): PluginDefinition {
  const sandbox: { __sluicePlugin?: { default: PluginDefinition } } = {};
  runInNewContext(readFileSync(file, 'utf8'), sandbox, { filename: 'plugin.js' });
  return sandbox.__sluicePlugin!.default;
}

function scaffold(kind: PluginKind, id = `${kind}-acme`): string {
  const dir = join(tempDir('sluice-tooling-'), id);
  initPlugin(dir, { id, kind });
  return dir;
}

describe.each(PLUGIN_KINDS)('a %s scaffold', (kind) => {
  it('goes init → build → pack → verify, and packs exactly the package files, reproducibly', async () => {
    const dir = scaffold(kind);
    const built = await buildPlugin(dir);
    expect(built.bundlePath).toBe(join(dir, 'dist', 'plugin.js'));
    expect(built.bytes).toBeGreaterThan(500);
    expect(JSON.parse(readFileSync(join(dir, 'dist', 'plugin.json'), 'utf8'))).toMatchObject({ id: `${kind}-acme`, main: 'plugin.js' });

    const packed = await packPlugin(dir);
    expect(packed.file).toBe(join(dir, `${kind}-acme-0.1.0.tgz`));
    expect((await tgzEntries(packed.file)).sort()).toEqual(['package/README.md', 'package/config.schema.json', 'package/plugin.js', 'package/plugin.json']);
    expect(packed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(packed.sha256).toBe(createHash('sha256').update(readFileSync(packed.file)).digest('hex'));
    expect(await packageDigest(packed.file)).toBe(packed.sha256);

    const verified = await verifyPlugin(packed.file);
    expect(verified.problems).toEqual([]);
    expect(verified.warnings).toEqual([]);
    expect(verified).toMatchObject({ ok: true, kind: 'tgz', sha256: packed.sha256, identity: { id: `${kind}-acme`, version: '0.1.0', apiVersion: KERNEL_API_RANGE } });

    // Same sources → same bytes: packed again, after a touch, and from a copy in another folder.
    utimesSync(join(dir, 'src', 'index.ts'), new Date(), new Date(Date.now() + 5_000));
    expect((await packPlugin(dir)).sha256).toBe(packed.sha256);
    const elsewhere = join(tempDir('sluice-tooling-copy-'), 'moved');
    cpSync(dir, elsewhere, { recursive: true, filter: (src) => !src.endsWith('.tgz') && !src.includes('/dist') });
    expect((await packPlugin(elsewhere, tempDir('sluice-out-'))).sha256).toBe(packed.sha256);
  });

  it("typechecks and passes its own tests (the scaffold's vitest config and tsconfig paths)", async () => {
    const dir = scaffold(kind);
    // The author runs `npm install`; here the repository's node_modules stands in for it.
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !['NODE_OPTIONS', 'TEST', 'FORCE_COLOR'].includes(k));
    const env = { ...Object.fromEntries(inherited), NO_COLOR: '1' };
    await run(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, env });
    const tests = await run(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=dot'], { cwd: dir, env });
    expect(tests.stdout.replace(/\x1b\[\d+m/g, '')).toMatch(/Tests\s+\d+ passed/);
  });
});

describe('the built bundle', () => {
  it('defines globalThis.__sluicePlugin.default, and runs under createTestKernel (a verdict crosses realms as a SluiceError)', async () => {
    const dir = scaffold('guardrail');
    const { bundlePath } = await buildPlugin(dir);
    const plugin = evaluateBundle(bundlePath);
    expect(plugin).toMatchObject({ id: 'guardrail-acme', version: '0.1.0', apiVersion: KERNEL_API_RANGE });
    const kernel = await createTestKernel(plugin, { config: { blocked_terms: ['falcon'] } });
    const refused = kernel.preCall({ body: { model: 'm', messages: [{ role: 'user', content: 'FALCON?' }] } });
    await expect(refused).rejects.toBeInstanceOf(SluiceError);
    await expect(refused).rejects.toMatchObject({ code: 'GUARDRAIL_ACME_BLOCKED', status: 400 });
  });

  it('bundles npm-style relative modules but refuses Node built-ins with a message about the sandbox', async () => {
    const dir = scaffold('guardrail');
    writeFileSync(join(dir, 'src', 'helper.ts'), 'export const greet = (n: string) => `hi ${n}`;\n');
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      "import { readFileSync } from 'node:fs';\nimport { greet } from './helper.js';\nimport { definePlugin } from '@sluice/plugin-sdk';\n" +
        "export default definePlugin({ id: 'guardrail-acme', version: '0.1.0', apiVersion: '^2', setup: () => ({ preCall: async () => void readFileSync(greet('x')) }) });\n",
    );
    const err = await buildPlugin(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginToolingError);
    expect((err as Error).message).toMatch(/src\/index\.ts:1:\d+: "node:fs" is a Node built-in module\. Sandboxed plugins run in an isolate with no require, process, fs/);
    expect(existsSync(join(dir, 'dist', 'plugin.js'))).toBe(false);

    writeFileSync(join(dir, 'src', 'index.ts'), "import { get } from 'https';\nexport default get;\n");
    await expect(buildPlugin(dir)).rejects.toThrow(/"https" is a Node built-in module\. Sandboxed plugins/);
    writeFileSync(join(dir, 'src', 'index.ts'), "import { createTestKernel } from '@sluice/plugin-sdk/testing';\nexport default createTestKernel;\n");
    await expect(buildPlugin(dir)).rejects.toThrow(/@sluice\/plugin-sdk\/testing is for tests only/);
  });
});

describe('the packed plugin in the gateway', () => {
  it('loads by path with its sha256 pin, runs sandboxed, and its verdict reaches the client', async () => {
    const dir = scaffold('guardrail');
    const { file, sha256 } = await packPlugin(dir);
    const gateway = await startGateway({
      model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: file, sha256, config: { blocked_terms: ['falcon'] }, sandbox: { memory_mb: 32, timeout_ms: 500 } }],
    });
    try {
      const ask = (content: string) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content }] }),
        });
      const refused = await ask('when does Falcon launch?');
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-sluice-error-code')).toBe('GUARDRAIL_ACME_BLOCKED');
      expect(refused.headers.get('x-sluice-plugin')).toBe('guardrail-acme');
      expect(await refused.json()).toEqual({
        error: { message: 'The request was refused by guardrail-acme: it mentions "falcon".', type: 'invalid_request_error', param: 'messages', code: '400' },
      });
      expect((await ask('hello')).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('verify catches', () => {
  async function builtPackage(): Promise<string> {
    const dir = scaffold('guardrail');
    return (await buildPlugin(dir)).outDir;
  }
  const editManifest = (pkg: string, edit: (m: Record<string, unknown>) => void) => {
    const file = join(pkg, 'plugin.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    writeFileSync(file, JSON.stringify(manifest));
  };

  it('a manifest id that is not the id in the code', async () => {
    const pkg = await builtPackage();
    editManifest(pkg, (m) => (m.id = 'guardrail-other'));
    const result = await verifyPlugin(pkg);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/dist\/plugin\.js declares id "guardrail-acme" in definePlugin\(\.\.\.\), but .*dist\/plugin\.json says "guardrail-other"$/)]);
  });

  it('an apiVersion this kernel does not satisfy', async () => {
    const pkg = await builtPackage();
    const future = `^${Number(KERNEL_API_RANGE.slice(1)) + 1}`;
    editManifest(pkg, (m) => (m.apiVersion = future));
    const { problems } = await verifyPlugin(pkg);
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`plugin\\.json: apiVersion "\\${future}" does not accept this kernel's API version ${KERNEL_API_VERSION.replaceAll('.', '\\.')}$`)));
    editManifest(pkg, (m) => (m.apiVersion = 'one'));
    expect((await verifyPlugin(pkg)).problems).toContainEqual(expect.stringMatching(/plugin\.json: apiVersion "one" is not a semver range/));
  });

  it('a missing plugin.js, in a folder and in a .tgz', async () => {
    const pkg = await builtPackage();
    const tgz = (await packPlugin(pkg)).file;
    rmSync(join(pkg, 'plugin.js'));
    expect((await verifyPlugin(pkg)).problems).toEqual([expect.stringMatching(/dist\/plugin\.js is missing \(sluice plugin build writes it\)$/)]);
    await expect(packPlugin(pkg)).rejects.toThrow(/is not a valid plugin package; not packing it:\n {2}- .*plugin\.js is missing/);

    const staging = tempDir('sluice-tgz-');
    mkdirSync(join(staging, 'package'));
    cpSync(join(pkg, 'plugin.json'), join(staging, 'package', 'plugin.json'));
    const broken = join(staging, 'broken.tgz');
    await createTar({ file: broken, cwd: staging, gzip: true }, ['package/plugin.json']);
    expect((await verifyPlugin(broken)).problems).toEqual([`${broken}!package/plugin.js is missing (sluice plugin build writes it)`]);
    expect((await verifyPlugin(tgz)).ok).toBe(true);
  });

  it('manifest fields, a main that is not plugin.js, and capabilities the sandbox does not give', async () => {
    const pkg = await builtPackage();
    editManifest(pkg, (m) => {
      m.colour = 'red';
      delete m.main;
      m.capabilities = ['log', 'storage'];
      m.hooks = { preCall: { stage: 'EARLY' } };
    });
    const { problems } = await verifyPlugin(pkg);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/plugin\.json: colour is not a field of a plugin manifest$/),
        expect.stringMatching(/plugin\.json: hooks\.preCall\.stage must be one of "SECURITY", "AUTH"/),
      ]),
    );
    editManifest(pkg, (m) => {
      delete m.colour;
      m.hooks = {};
    });
    expect((await verifyPlugin(pkg)).problems).toEqual([
      expect.stringMatching(/plugin\.json: main must be "plugin\.js" in a package \(it is absent\)$/),
      expect.stringMatching(/plugin\.json: capabilities lists "storage", which sandboxed plugins do not get/),
    ]);
  });

  it('a config schema that does not compile, and config conventions as warnings', async () => {
    const pkg = await builtPackage();
    writeFileSync(join(pkg, 'config.schema.json'), JSON.stringify({ type: 'object', properties: { level: { type: 'integr' } } }));
    const result = await verifyPlugin(pkg);
    expect(result.problems).toEqual([expect.stringMatching(/dist\/config\.schema\.json does not compile: schema is invalid: data\/properties\/level\/type must be/)]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/config\.schema\.json: set "additionalProperties": false/),
      expect.stringMatching(/config\.schema\.json: properties\.level has no description$/),
    ]);
    // The kernel's shared ajv forgets the schema again: verifying twice is not a duplicate.
    expect((await verifyPlugin(pkg)).problems).toHaveLength(1);
  });

  it('a bundle that does not evaluate, a .tgz with stray entries, and a file that is no .tgz', async () => {
    const pkg = await builtPackage();
    writeFileSync(join(pkg, 'plugin.js'), 'var __sluicePlugin = { default: {} };');
    expect((await verifyPlugin(pkg)).problems).toEqual([
      expect.stringMatching(/plugin\.js does not evaluate in the sandbox: the bundle does not assign globalThis\.__sluicePlugin/),
    ]);

    const staging = tempDir('sluice-tgz-');
    mkdirSync(join(staging, 'package', 'src'), { recursive: true });
    writeFileSync(join(staging, 'package', 'notes.txt'), 'x');
    writeFileSync(join(staging, 'package', 'src', 'index.ts'), 'x');
    writeFileSync(join(staging, 'evil.js'), 'x');
    const stray = join(staging, 'stray.tgz');
    await createTar({ file: stray, cwd: staging, gzip: true }, ['package/notes.txt', 'package/src/index.ts', 'evil.js']);
    const { problems } = await verifyPlugin(stray);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${stray}: package/notes.txt is not part of a plugin package (it holds plugin.json, plugin.js, config.schema.json, README.md)`,
        `${stray}: the entry "package/src/index.ts" is not directly under package/`,
        `${stray}: the entry "evil.js" is not directly under package/`,
      ]),
    );

    const notTgz = join(staging, 'plain.tgz');
    writeFileSync(notTgz, 'this is not an archive');
    expect((await verifyPlugin(notTgz)).problems[0]).toMatch(/plain\.tgz is not a readable gzipped tar/);
  });
});

describe('init', () => {
  it('refuses a non-empty folder and an id that is not kebab-case', () => {
    const dir = scaffold('logger');
    expect(() => initPlugin(dir, { kind: 'logger' })).toThrow(/is not empty; init only writes into a new or empty folder/);
    expect(() => initPlugin(join(tempDir(), 'x'), { id: 'Acme_Guard', kind: 'guardrail' })).toThrow(/"Acme_Guard" is not kebab-case/);
  });

  it('writes a tsconfig whose paths map the SDK, and a manifest and config schema with descriptions', () => {
    const dir = scaffold('secret-manager', 'secrets-acme');
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
    const sdkIndex = tsconfig.compilerOptions.paths['@sluice/plugin-sdk']![0]!;
    expect(join(dir, sdkIndex)).toBe(join(PROJECT_ROOT, 'plugin-sdk', 'index.ts'));
    expect(tsconfig.compilerOptions.paths['@sluice/plugin-sdk/testing']).toEqual([sdkIndex.replace('index.ts', 'testing.ts')]);
    expect(readFileSync(join(dir, 'src', 'index.ts'), 'utf8')).toMatch(/from '@sluice\/plugin-sdk'/);
    expect(readFileSync(join(dir, 'test', 'index.test.ts'), 'utf8')).toMatch(/createTestKernel/);
    const schema = JSON.parse(readFileSync(join(dir, 'config.schema.json'), 'utf8')) as { properties: Record<string, { description?: string; default?: unknown }> };
    for (const prop of Object.values(schema.properties)) expect(prop.description).toBeTruthy();
    expect(schema.properties.token_secret!.default).toBe('SECRETS_ACME_TOKEN');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/grants: \{ http: \["vault\.acme\.example:443"\], secrets: \["SECRETS_ACME_TOKEN"\], secret_resolver: \["OPENAI_API_KEY"\] \}/);
  });
});

describe('sluice plugin (CLI)', () => {
  let stdout = '';
  let stderr = '';
  afterEach(() => vi.restoreAllMocks());
  async function sluice(...argv: string[]): Promise<number> {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      return await main(argv);
    } finally {
      vi.restoreAllMocks();
    }
  }

  it('init, build, pack and verify a plugin with exit code 0', async () => {
    const dir = join(tempDir('sluice-cli-plugin-'), 'logging-acme');
    expect(await sluice('plugin', 'init', dir, '--kind', 'logger')).toBe(0);
    expect(stdout).toContain('Created logger plugin logging-acme in');
    expect(stdout).toContain('src/index.ts');

    expect(await sluice('plugin', 'build', dir)).toBe(0);
    expect(stdout).toMatch(/^Built .*dist\/plugin\.js \(\d+ bytes\)/);

    const out = tempDir('sluice-cli-out-');
    expect(await sluice('plugin', 'pack', dir, '--out', out)).toBe(0);
    const file = join(out, 'logging-acme-0.1.0.tgz');
    const digest = await packageDigest(file);
    expect(stdout).toBe(`${file}\nsha256: ${digest}\n`);
    expect(stderr).toBe('');

    expect(await sluice('plugin', 'verify', file)).toBe(0);
    expect(stdout).toContain('OK: logging-acme@0.1.0');
    expect(stdout).toContain('hooks: onSpend (OBSERVE)');
    expect(stdout).toContain('capabilities: log, now, http');
    expect(stdout).toContain(`sha256: ${digest}`);
  });

  it('verify exits 1 listing the problems; a failing build exits 1 with the reason', async () => {
    const dir = join(tempDir('sluice-cli-plugin-'), 'guardrail-acme');
    expect(await sluice('plugin', 'init', dir, '--id', 'guardrail-acme')).toBe(0);
    expect(await sluice('plugin', 'build', dir)).toBe(0);
    const manifest = join(dir, 'dist', 'plugin.json');
    const future = `^${Number(KERNEL_API_RANGE.slice(1)) + 1}`;
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(`"apiVersion": "${KERNEL_API_RANGE}"`, `"apiVersion": "${future}"`));
    expect(await sluice('plugin', 'verify', join(dir, 'dist'))).toBe(1);
    const version = KERNEL_API_VERSION.replaceAll('.', '\\.');
    expect(stderr).toMatch(
      new RegExp(`dist: 2 problems:\\n {2}- .*plugin\\.json: apiVersion "\\${future}" does not accept this kernel's API version ${version}\\n {2}- .*declares apiVersion "\\${KERNEL_API_RANGE}"`),
    );
    expect(stdout).toBe('');
    expect(await sluice('plugin', 'pack', dir)).toBe(0); // pack rebuilds from the sources, which are fine

    writeFileSync(join(dir, 'src', 'index.ts'), "import 'node:child_process';\n");
    expect(await sluice('plugin', 'build', dir)).toBe(1);
    expect(stderr).toMatch(/^sluice plugin build: cannot bundle .*\n {2}- .*"node:child_process" is a Node built-in module\. Sandboxed plugins/);
  });

  it('exits 2 on usage errors', async () => {
    const fresh = join(tempDir(), 'guardrail-x');
    const cases: [string[], RegExp][] = [
      [['plugin'], /which plugin command\?/],
      [['plugin', 'publish', 'x'], /unknown command "publish"/],
      [['plugin', 'build'], /plugin build needs a DIR/],
      [['plugin', 'verify'], /plugin verify needs a PATH/],
      [['plugin', 'init', fresh, '--kind', 'router'], /--kind must be one of guardrail, logger, secret-manager/],
      [['plugin', 'init', fresh, '--id', 'Acme_Guard'], /--id "Acme_Guard" is not kebab-case/],
      [['plugin', 'init', join(tempDir(), 'Not_Kebab')], /the folder name "Not_Kebab" is not a kebab-case plugin id; pass --id/],
      [['plugin', 'pack', fresh, 'extra'], /unexpected argument "extra"/],
    ];
    for (const [argv, message] of cases) {
      expect(await sluice(...argv), argv.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).toContain('Usage:');
    }
    expect(existsSync(fresh)).toBe(false);
  });

  it('lists the plugin commands in --help', async () => {
    expect(await sluice('--help')).toBe(0);
    expect(stdout).toMatch(/plugin init DIR \[--id ID\] \[--kind guardrail\|logger\|secret-manager\]/);
    expect(stdout).toMatch(/plugin pack DIR \[--out DIR\]/);
    expect(stdout).toMatch(/plugin verify PATH/);
  });
});
