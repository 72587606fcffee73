/** Reads a YAML config (Sluice's or LiteLLM's), follows `include:`, and checks its shape. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { ConfigError } from './config-error.js';
import { assertValid, compileSchema } from './schema-validator.js';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };

const validateConfig = compileSchema(configSchema);

export interface ConfigSource {
  /** Absolute path of the file read, or `<inline>`. */
  file: string;
  config: SluiceConfig;
}

export function readConfigFile(path: string): ConfigSource {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file = '<inline>'): ConfigSource {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, where, `invalid YAML: ${message}`);
  }
  const raw = (doc.toJS() ?? {}) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, '', 'the config must be a YAML mapping');
  const config = raw as SluiceConfig;
  if (config.include?.length) mergeIncludes(config, file);
  assertValid(validateConfig, config, file, '');
  return { file, config };
}

/** LiteLLM's `include:` — other files' model_list entries are appended, other sections merged. */
function mergeIncludes(config: SluiceConfig, file: string): void {
  for (const included of config.include ?? []) {
    const { config: other } = readConfigFile(resolve(dirname(file), included));
    if (other.model_list) config.model_list = [...(config.model_list ?? []), ...other.model_list];
    for (const section of ['litellm_settings', 'general_settings', 'router_settings', 'environment_variables'] as const) {
      if (other[section]) config[section] = { ...other[section], ...config[section] } as never;
    }
    if (other.plugins) config.plugins = [...(config.plugins ?? []), ...other.plugins];
  }
  delete config.include;
}

/** LiteLLM sets `environment_variables` into the process environment before anything reads it. */
export function applyEnvironmentVariables(config: SluiceConfig, env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(config.environment_variables ?? {})) env[name] = String(value);
}
