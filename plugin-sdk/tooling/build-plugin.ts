/**
 * `sluice plugin build DIR`: bundles `DIR/src/index.ts` into one script the sandbox evaluates
 * (`globalThis.__sluicePlugin.default` = the definePlugin result) and lays out `DIR/dist/` as a
 * directory package: plugin.json (main: plugin.js), plugin.js, config.schema.json, README.md.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BuildFailure, Message } from 'esbuild';
import { sandboxImports } from './sandbox-imports.js';
import { sdkLocation } from './sdk-location.js';
import { PluginToolingError } from './tooling-error.js';

export const BUNDLE_FILE = 'plugin.js';
export const BUNDLE_GLOBAL = '__sluicePlugin';
export const ENTRY = join('src', 'index.ts');
/** Files of a package besides the bundle, copied as they are when present. */
export const OPTIONAL_PACKAGE_FILES = ['config.schema.json', 'README.md'] as const;
/** Every file a package may hold. */
export const PACKAGE_FILES = ['plugin.json', BUNDLE_FILE, ...OPTIONAL_PACKAGE_FILES] as const;

export interface BuildOptions {
  /** Default `<dir>/dist`. */
  outDir?: string;
}

export interface BuildResult {
  /** The directory package. */
  outDir: string;
  bundlePath: string;
  bytes: number;
  /** esbuild's warnings, as `file:line:col: text`. */
  warnings: string[];
}

export async function buildPlugin(dir: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const root = resolve(dir);
  const outDir = resolve(opts.outDir ?? join(root, 'dist'));
  const manifest = readSourceManifest(root);
  const entry = join(root, ENTRY);
  if (!existsSync(entry)) throw new PluginToolingError(`${entry} is missing: a plugin's code starts at ${ENTRY}`);

  const esbuild = await loadEsbuild();
  let output: Uint8Array;
  let warnings: Message[];
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: BUNDLE_GLOBAL,
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      charset: 'utf8',
      logLevel: 'silent',
      plugins: [sandboxImports(sdkLocation())],
    });
    output = result.outputFiles[0]!.contents;
    warnings = result.warnings;
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    throw new PluginToolingError(`cannot bundle ${relative(process.cwd(), entry) || entry} for the sandbox:`, failure.errors.map(formatMessage));
  }

  if (outDir === root) throw new PluginToolingError(`the build output must not be the plugin folder itself (${root})`);
  mkdirSync(outDir, { recursive: true });
  // Only the package's own files are replaced: a stale config.schema.json or README must not survive.
  for (const name of PACKAGE_FILES) rmSync(join(outDir, name), { force: true });
  const bundlePath = join(outDir, BUNDLE_FILE);
  writeFileSync(bundlePath, output);
  writeFileSync(join(outDir, 'plugin.json'), `${JSON.stringify({ ...manifest, main: BUNDLE_FILE }, null, 2)}\n`);
  for (const name of OPTIONAL_PACKAGE_FILES) if (existsSync(join(root, name))) copyFileSync(join(root, name), join(outDir, name));
  return { outDir, bundlePath, bytes: output.byteLength, warnings: warnings.map(formatMessage) };
}

function readSourceManifest(root: string): Record<string, unknown> {
  const file = join(root, 'plugin.json');
  if (!existsSync(file)) throw new PluginToolingError(`${file} is missing: a plugin folder needs its manifest (sluice plugin init scaffolds one)`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PluginToolingError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new PluginToolingError(`${file} must hold a JSON object`);
  return manifest as Record<string, unknown>;
}

/** esbuild is a build-time tool: imported only when a build runs, so the gateway never needs it. */
async function loadEsbuild(): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch (err) {
    throw new PluginToolingError(`sluice plugin build needs esbuild (npm install --save-dev esbuild): ${(err as Error).message}`);
  }
}

function formatMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
  return `${where}${m.text}`;
}
