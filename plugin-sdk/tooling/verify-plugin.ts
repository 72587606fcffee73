/**
 * `sluice plugin verify PATH`: everything the gateway will check when it loads the package, checked
 * now, each problem a sentence naming the file and the field. Nothing is installed or written.
 */
import { relative } from 'node:path';
import type { ErrorObject } from 'ajv';
import semver from 'semver';
import { KERNEL_API_VERSION } from '../define-plugin.js';
import { compileSchema, getAjv, PLUGIN_MANIFEST_SCHEMA, type PluginManifest } from '../schemas/index.js';
import { inspectBundle, type BundleIdentity } from './inspect-bundle.js';
import { BUNDLE_FILE } from './build-plugin.js';
import { readPackageFiles, type PackageFiles } from './package-files.js';

const validateManifest = compileSchema(PLUGIN_MANIFEST_SCHEMA);

/** Capabilities a sandboxed plugin can have; the others exist only for first-party plugins. */
export const SANDBOX_CAPABILITIES = ['log', 'now', 'http', 'kv', 'secrets', 'secret-resolvers'] as const;

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  /** Conventions not followed (the package still loads). */
  warnings: string[];
  /** What the bundle declares in definePlugin(...), when it evaluated. */
  identity: BundleIdentity | undefined;
  manifest: PluginManifest | undefined;
  /** What was verified: the `.tgz`, the directory, or a source folder's `dist/`. */
  location: string;
  kind: PackageFiles['kind'];
  /** For a `.tgz`: the value to pin as `sha256:`. */
  sha256: string | undefined;
}

export async function verifyPlugin(path: string): Promise<VerifyResult> {
  const pkg = await readPackageFiles(path);
  const problems = [...pkg.problems];
  const warnings: string[] = [];
  const label = fileLabel(pkg);

  const manifest = checkManifest(pkg, label('plugin.json'), problems);
  checkConfigSchema(pkg, label('config.schema.json'), problems, warnings);
  if (!pkg.files.has('README.md') && pkg.files.size > 0) warnings.push(`${label('README.md')} is missing: operators read it to configure the plugin`);

  let identity: BundleIdentity | undefined;
  const bundle = pkg.files.get(BUNDLE_FILE);
  if (!bundle) {
    if (pkg.problems.length === 0 || pkg.files.size > 0) problems.push(`${label(BUNDLE_FILE)} is missing (sluice plugin build writes it)`);
  } else {
    try {
      identity = await inspectBundle(bundle.toString('utf8'));
    } catch (err) {
      problems.push(`${label(BUNDLE_FILE)} does not evaluate in the sandbox: ${(err as Error).message}`);
    }
  }
  if (identity && manifest) {
    for (const key of ['id', 'version', 'apiVersion'] as const) {
      if (identity[key] !== manifest[key]) {
        problems.push(`${label(BUNDLE_FILE)} declares ${key} ${JSON.stringify(identity[key])} in definePlugin(...), but ${label('plugin.json')} says ${JSON.stringify(manifest[key])}`);
      }
    }
  }
  return { ok: problems.length === 0, problems, warnings, identity, manifest, location: pkg.location, kind: pkg.kind, sha256: pkg.sha256 };
}

function checkManifest(pkg: PackageFiles, file: string, problems: string[]): PluginManifest | undefined {
  const bytes = pkg.files.get('plugin.json');
  if (!bytes) {
    if (pkg.problems.length === 0 || pkg.files.size > 0) problems.push(`${file} is missing`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    problems.push(`${file} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
  // Validated on a copy: the kernel's ajv fills defaults, and `main`'s default (src/index.ts) must not hide its absence.
  if (!validateManifest(structuredClone(raw))) {
    for (const e of validateManifest.errors ?? []) problems.push(`${file}: ${describe(e, raw)}`);
    return undefined;
  }
  const manifest = raw as PluginManifest;
  if (!semver.valid(manifest.version)) problems.push(`${file}: version ${JSON.stringify(manifest.version)} is not a semver version (like 1.0.0)`);
  if (!semver.validRange(manifest.apiVersion)) {
    problems.push(`${file}: apiVersion ${JSON.stringify(manifest.apiVersion)} is not a semver range (like ^1)`);
  } else if (!semver.satisfies(KERNEL_API_VERSION, manifest.apiVersion)) {
    problems.push(`${file}: apiVersion ${JSON.stringify(manifest.apiVersion)} does not accept this kernel's API version ${KERNEL_API_VERSION}`);
  }
  if (manifest.main !== BUNDLE_FILE) {
    problems.push(`${file}: main must be ${JSON.stringify(BUNDLE_FILE)} in a package (it is ${manifest.main === undefined ? 'absent' : JSON.stringify(manifest.main)})`);
  }
  for (const capability of manifest.capabilities ?? []) {
    if (!(SANDBOX_CAPABILITIES as readonly string[]).includes(capability)) {
      problems.push(`${file}: capabilities lists ${JSON.stringify(capability)}, which sandboxed plugins do not get (they may use ${SANDBOX_CAPABILITIES.join(', ')})`);
    }
  }
  return manifest;
}

function checkConfigSchema(pkg: PackageFiles, file: string, problems: string[], warnings: string[]): void {
  const bytes = pkg.files.get('config.schema.json');
  if (!bytes) return;
  let schema: unknown;
  try {
    schema = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    problems.push(`${file} is not valid JSON: ${(err as Error).message}`);
    return;
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    problems.push(`${file} must hold a JSON Schema object`);
    return;
  }
  // Compiled by the kernel's own ajv (same strictness and keywords as at load), then forgotten again.
  try {
    compileSchema(schema);
  } catch (err) {
    problems.push(`${file} does not compile: ${(err as Error).message}`);
  } finally {
    getAjv().removeSchema(schema);
  }
  const s = schema as { type?: unknown; additionalProperties?: unknown; properties?: Record<string, { description?: unknown }> };
  if (s.type !== 'object') warnings.push(`${file}: the top level should be "type": "object" (a plugin's config is an object)`);
  if (s.additionalProperties !== false) warnings.push(`${file}: set "additionalProperties": false so a misspelt setting is refused at load`);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (!prop || typeof prop.description !== 'string' || !prop.description) warnings.push(`${file}: properties.${name} has no description`);
  }
}

function describe(e: ErrorObject, raw: unknown): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  const field = parts.join('.');
  const at = (name: string) => [...parts, name].join('.');
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at((e.params as { additionalProperty: string }).additionalProperty)} is not a field of a plugin manifest`;
    case 'required':
      return `${at((e.params as { missingProperty: string }).missingProperty)} is required`;
    case 'enum':
      return `${field} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default: {
      const value = parts.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), raw);
      return `${field || '(the manifest)'}${value === undefined || typeof value === 'object' ? '' : ` ${JSON.stringify(value)}`} ${e.message ?? 'is invalid'}`;
    }
  }
}

/** How problems name a file: the path as the user would type it; inside a `.tgz`, `archive!package/name`. */
function fileLabel(pkg: PackageFiles): (name: string) => string {
  const rel = relative(process.cwd(), pkg.location);
  const base = rel === '' ? '.' : rel.startsWith('..') ? pkg.location : rel;
  return pkg.kind === 'tgz' ? (name) => `${base}!package/${name}` : (name) => `${base}/${name}`;
}
