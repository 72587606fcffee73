/**
 * `@sluice/plugin-sdk/schemas`: what a plugin package's `plugin.json` may say (its JSON Schema and
 * type) and the schema compiler the kernel and the tooling share. Config-time only: ajv is loaded
 * by whoever imports this, never by the isolate-safe index.
 */
import manifestSchema from './plugin-manifest.schema.json' with { type: 'json' };

export type * from './generated/plugin-manifest.js';
export { compileSchema, getAjv } from './schema-compiler.js';

/** The JSON Schema of `plugin.json`. */
export const PLUGIN_MANIFEST_SCHEMA: object = manifestSchema;
