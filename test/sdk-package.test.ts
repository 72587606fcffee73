/**
 * `@sluice/plugin-sdk` as a vendor gets it: `npm pack` of plugin-sdk/, the tarball installed into a
 * project outside this repository (the npm registry is the only network it may use), a plugin
 * written against the package name and compiled by tsc against the emitted declarations, bundled
 * by the installed package's own tooling, then loaded into a gateway where it acts on calls.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_API_VERSION } from '@sluice/plugin-sdk';
import { packPlugin } from '@sluice/plugin-sdk/tooling';
import { startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { ROOT } from './support/processes.js';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SDK_DIR = join(ROOT, 'plugin-sdk');

/** Without the npm_* variables of an enclosing `npm test`, which would point npm back at this repository. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

async function tsc(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', project], { cwd: project });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

const PLUGIN_SOURCE = `import { defineSandboxedPlugin, definePluginErrors, type JsonObject } from '@sluice/plugin-sdk';

export const errors = definePluginErrors('VENDOR_STAMP', {
  FORBIDDEN: { status: 403, type: 'permission_error', message: 'vendor-stamp refuses to pass on {word}' },
});

export default defineSandboxedPlugin({
  id: 'vendor-stamp',
  version: '1.0.0',
  apiVersion: '__API_RANGE__',
  setup(ctx) {
    ctx.log.info('vendor-stamp ready');
    return {
      async preCall(call) {
        const messages = call.body.messages as JsonObject[];
        const last = messages[messages.length - 1]!;
        if (String(last.content).includes('forbidden')) throw errors.FORBIDDEN({ word: 'forbidden' });
        last.content = \`[stamped] \${String(last.content)}\`;
        return call;
      },
    };
  },
});
`;

/** Uses the SDK wrongly: tsc must refuse it, so the declarations are really checked (not \`any\`). */
const MISUSE = `import { definePluginErrors } from '@sluice/plugin-sdk';
export const wrong: number = definePluginErrors('X', {});
`;

const MANIFEST = {
  id: 'vendor-stamp',
  version: '1.0.0',
  apiVersion: '',
  description: 'Stamps prompts and refuses forbidden ones (a vendor plugin built against the packed SDK).',
  hooks: { preCall: { stage: 'GUARDRAIL', timeoutMs: 200 } },
  failurePolicy: { preCall: 'fail-closed' },
  capabilities: ['log'],
};

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: [],
    strict: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
    outDir: 'out',
    rootDir: 'src',
  },
  include: ['src'],
};

describe('@sluice/plugin-sdk packed, installed outside the repository, built against and loaded', () => {
  const apiRange = `^${semver.major(KERNEL_API_VERSION)}`;
  let work: string;
  let vendor: string;
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(async () => {
    work = tempDir('sluice-sdk-package-');
    expect(work.startsWith(tmpdir())).toBe(true);
    // `prepack` builds the package (dist/ with declarations) first.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: SDK_DIR, env: npmEnv() });
    packed = (JSON.parse(stdout.slice(stdout.indexOf('['))) as (typeof packed)[])[0]!;

    vendor = join(work, 'vendor-stamp');
    mkdirSync(join(vendor, 'src'), { recursive: true });
    writeFileSync(join(vendor, 'package.json'), JSON.stringify({ name: 'vendor-stamp', version: '1.0.0', private: true, type: 'module' }));
    // The registry only for metadata the cache lacks; no install scripts (isolated-vm's would build
    // natively: only `verify` needs it, and it loads lazily).
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, packed.filename)], { cwd: vendor, env: npmEnv() });
    writeFileSync(join(vendor, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(vendor, 'plugin.json'), JSON.stringify({ ...MANIFEST, apiVersion: apiRange }, null, 2));
    writeFileSync(join(vendor, 'src', 'index.ts'), PLUGIN_SOURCE.replace('__API_RANGE__', apiRange));
  }, 120_000);

  it('packs the built package: JS and declarations for every entry point, the templates, no sources', () => {
    const paths = packed.files.map((f) => f.path);
    const pkg = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(paths, entry).toContain(target.types!.slice(2));
      expect(paths, entry).toContain(target.import!.slice(2));
    }
    expect(paths).toContain('tooling/templates/guardrail/src/index.ts.tpl');
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs as @sluice/plugin-sdk, versioned as the kernel API it describes, and imports in plain Node', async () => {
    const installed = JSON.parse(readFileSync(join(vendor, 'node_modules', '@sluice', 'plugin-sdk', 'package.json'), 'utf8')) as { name: string; version: string };
    expect(installed).toMatchObject({ name: '@sluice/plugin-sdk', version: KERNEL_API_VERSION });
    const script = "const sdk = await import('@sluice/plugin-sdk'); await import('@sluice/plugin-sdk/testing'); console.log(sdk.KERNEL_API_VERSION);";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: vendor });
    expect(stdout.trim()).toBe(KERNEL_API_VERSION);
  });

  it('type-checks a plugin with tsc against the emitted declarations, and refuses a misuse', async () => {
    const built = await tsc(vendor);
    expect(built.output).toBe('');
    expect(built.code).toBe(0);
    expect(readFileSync(join(vendor, 'out', 'index.js'), 'utf8')).toContain("from '@sluice/plugin-sdk'");

    writeFileSync(join(vendor, 'src', 'misuse.ts'), MISUSE);
    try {
      const refused = await tsc(vendor);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/src\/misuse\.ts\(2,14\): error TS2322/);
    } finally {
      writeFileSync(join(vendor, 'src', 'misuse.ts'), 'export {};\n');
    }
  }, 60_000);

  describe('bundled by the installed tooling and loaded sandboxed into a gateway', () => {
    let upstream: MockOpenAI;
    let gw: TestGateway;
    let bundle: string;

    beforeAll(async () => {
      // The vendor's own copy of the tooling bundles the vendor's own copy of the SDK.
      const script = "import { buildPlugin } from '@sluice/plugin-sdk/tooling'; console.log(JSON.stringify(await buildPlugin('.')));";
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: vendor });
      const { outDir, bundlePath } = JSON.parse(stdout) as { outDir: string; bundlePath: string };
      bundle = readFileSync(bundlePath, 'utf8');
      const { file, sha256 } = await packPlugin(outDir, tempDir('sluice-sdk-package-pack-'));
      upstream = await startMockOpenAI();
      gw = await startGateway({
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'sk-up-1234' } }],
        general_settings: { master_key: 'sk-vendor-1234' },
        plugins: [{ use: file, sha256, sandbox: { memory_mb: 32, timeout_ms: 2000 } }],
      } as never);
    }, 60_000);
    afterAll(async () => {
      await gw?.close();
      await upstream?.close();
    });

    const chat = (content: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-vendor-1234', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });

    it('bundles the compiled SDK from the installed package, not this repository', () => {
      expect(bundle).toContain('sluice-sdk:errors.js');
      expect(bundle).not.toContain('sluice-sdk:errors.ts');
    });

    it('acts on a call: the prompt reaches the upstream stamped', async () => {
      const res = await chat('hello');
      expect(res.status, await res.clone().text()).toBe(200);
      expect((upstream.requests.at(-1)!.body as { messages: { content: string }[] }).messages[0]!.content).toBe('[stamped] hello');
    });

    it("its refusal reaches the client as the vendor's coded verdict", async () => {
      const calls = upstream.requests.length;
      const res = await chat('something forbidden');
      expect(res.status).toBe(403);
      expect(res.headers.get('x-sluice-error-code')).toBe('VENDOR_STAMP_FORBIDDEN');
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('vendor-stamp refuses to pass on forbidden');
      expect(upstream.requests.length).toBe(calls);
    });
  });
});
