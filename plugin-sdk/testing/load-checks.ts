/** What the gateway checks when it loads a plugin: the config against its schema, and the taps against the manifest. */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { PostCallHooks } from '../define-plugin.js';
import type { SandboxPluginInstance } from '../sandbox-context.js';

// ajv-formats is CommonJS with a default export; under NodeNext its namespace needs unwrapping.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void;

/** Which hooks the plugin's setup returned, as the sandbox reports them. */
export interface TestTaps {
  hooks: ('preAuth' | 'preCall' | 'onSpend' | 'onAudit')[];
  postCall: { streaming: PostCallHooks['streaming']; response: boolean; chunk: boolean } | undefined;
  secretResolvers: string[];
}

export interface ManifestLike {
  id: string;
  version: string;
  hooks?: Record<string, unknown>;
}

/** Validates (and fills the defaults of) `config` in place, with the gateway's ajv settings. */
export function validatedConfig(pluginId: string, config: Record<string, unknown>, schema: object | undefined): Record<string, unknown> {
  if (!schema) return config;
  // Its own instance: schemas with an $id can be compiled again by the next test.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new Error(`${pluginId}: config.schema.json does not compile: ${(err as Error).message}`);
  }
  if (!validate(config)) throw new Error(`${pluginId}: invalid config: ${(validate.errors ?? []).map(describeError).join('; ')}`);
  return config;
}

function describeError(e: ErrorObject): string {
  const path = ['config', ...e.instancePath.split('/').filter(Boolean)].join('.');
  if (e.keyword === 'additionalProperties') return `${path}.${(e.params as { additionalProperty: string }).additionalProperty} is not a known setting`;
  if (e.keyword === 'required') return `${path}.${(e.params as { missingProperty: string }).missingProperty} is required`;
  if (e.keyword === 'enum') return `${path} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${path} ${e.message ?? 'is invalid'}`;
}

export function tapsOf(instance: SandboxPluginInstance): TestTaps {
  const post = instance.postCall;
  return {
    hooks: (['preAuth', 'preCall', 'onSpend', 'onAudit'] as const).filter((h) => typeof instance[h] === 'function'),
    postCall:
      typeof post === 'function'
        ? { streaming: 'none', response: true, chunk: false }
        : post
          ? { streaming: post.streaming ?? 'none', response: typeof post.response === 'function', chunk: typeof post.chunk === 'function' }
          : undefined,
    secretResolvers: (instance.secretResolvers ?? []).map((r) => String(r.name)),
  };
}

/** The loader refuses a plugin whose code and manifest disagree, or that taps an undeclared hook. */
export function checkManifest(pluginId: string, code: { id: string; version: string }, taps: TestTaps, manifest: ManifestLike): void {
  if (manifest.id !== code.id || manifest.version !== code.version) {
    throw new Error(`${pluginId}: the code says ${code.id}@${code.version} but plugin.json says ${manifest.id}@${manifest.version}`);
  }
  for (const hook of [...taps.hooks, ...(taps.postCall ? ['postCall'] : [])]) {
    if (manifest.hooks?.[hook] === undefined) throw new Error(`${pluginId} taps ${hook} but its plugin.json does not declare it (hooks.${hook})`);
  }
}
