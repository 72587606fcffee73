/**
 * `sluice plugin init DIR`: scaffolds a working sandboxed plugin of one kind from the templates in
 * `templates/` (plain files with `__NAME__` placeholders, so they read like the code they become).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import semver from 'semver';
import { KERNEL_API_VERSION } from '../define-plugin.js';
import { SDK_PACKAGE_ROOT, sdkLocation } from './sdk-location.js';
import { PluginToolingError } from './tooling-error.js';

export const PLUGIN_KINDS = ['guardrail', 'logger', 'secret-manager'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

// Not compiled: shipped as they are, beside dist/.
const TEMPLATES = join(SDK_PACKAGE_ROOT, 'tooling', 'templates');
const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const INITIAL_VERSION = '0.1.0';

/** Output file ← template file (under `templates/`); `<kind>` is replaced by the kind. */
const FILES: [string, string][] = [
  ['plugin.json', '<kind>/plugin.json.tpl'],
  ['config.schema.json', '<kind>/config.schema.json.tpl'],
  ['src/index.ts', '<kind>/src/index.ts.tpl'],
  ['test/index.test.ts', '<kind>/test/index.test.ts.tpl'],
  ['README.md', 'common/README.md.tpl'],
  ['tsconfig.json', 'common/tsconfig.json.tpl'],
  ['vitest.config.mjs', 'common/vitest.config.mjs.tpl'],
  ['package.json', 'common/package.json.tpl'],
  ['.gitignore', 'common/gitignore.tpl'],
];

export interface InitOptions {
  /** kebab-case; defaults to the folder's name. */
  id?: string;
  kind: PluginKind;
}

export interface InitResult {
  dir: string;
  id: string;
  kind: PluginKind;
  /** Written files, relative to `dir`. */
  files: string[];
}

export function isPluginId(value: string): boolean {
  return PLUGIN_ID.test(value);
}

export function isPluginKind(value: string): value is PluginKind {
  return (PLUGIN_KINDS as readonly string[]).includes(value);
}

export function initPlugin(dir: string, opts: InitOptions): InitResult {
  const root = resolve(dir);
  const id = opts.id ?? basename(root);
  if (!isPluginId(id)) throw new PluginToolingError(`plugin id ${JSON.stringify(id)} is not kebab-case (like guardrail-acme); pass --id`);
  if (!isPluginKind(opts.kind)) throw new PluginToolingError(`unknown plugin kind ${JSON.stringify(opts.kind)} (one of ${PLUGIN_KINDS.join(', ')})`);
  if (existsSync(root)) {
    if (!statSync(root).isDirectory()) throw new PluginToolingError(`${root} exists and is not a folder`);
    if (readdirSync(root).length > 0) throw new PluginToolingError(`${root} is not empty; init only writes into a new or empty folder`);
  }

  const sdk = sdkLocation();
  const sdkDir = relative(root, sdk.dir).split(sep).join('/') || '.';
  const values: Record<string, string> = {
    __ID__: id,
    __VERSION__: INITIAL_VERSION,
    __API_VERSION__: `^${semver.major(KERNEL_API_VERSION)}`,
    __ERROR_PREFIX__: id.toUpperCase().replace(/-/g, '_'),
    __RESOLVER_NAME__: id.replace(/-/g, '_'),
    __CONFIG_TITLE__: `${id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase())}Config`,
    __SDK_DIR__: sdkDir,
    __SDK_EXT__: sdk.extension,
  };
  const manifest = JSON.parse(fill(template(`${opts.kind}/plugin.json.tpl`), values)) as { description?: string };
  values.__DESCRIPTION__ = manifest.description ?? '';
  values.__KIND_SECTION__ = fill(template(`${opts.kind}/README.section.md.tpl`), values).trimEnd();

  const written: string[] = [];
  for (const [out, source] of FILES) {
    const text = fill(template(source.replace('<kind>', opts.kind)), values);
    if (out.endsWith('.json')) JSON.parse(text); // a template bug must not leave a broken manifest behind
    const target = join(root, out);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    written.push(out);
  }
  return { dir: root, id, kind: opts.kind, files: written };
}

function template(name: string): string {
  return readFileSync(join(TEMPLATES, name), 'utf8');
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/__[A-Z_]+?__(?![A-Z])/g, (token) => values[token] ?? token);
}
