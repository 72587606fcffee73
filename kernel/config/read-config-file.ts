/** Reads a YAML config (Sluice's or LiteLLM's), follows LiteLLM's `include:`, and checks its shape. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { ConfigError } from './config-error.js';
import { mergeIncludes } from './litellm/include-files.js';
import { parsePyYaml, withoutNulls } from './litellm/pyyaml-reading.js';
import { compileSchema } from '@sluice/plugin-sdk/schemas';
import { assertValid } from './schema-validator.js';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };

const validateConfig = compileSchema(configSchema);

export interface ConfigSource {
  /** Absolute path of the file read, or `<inline>`. */
  file: string;
  config: SluiceConfig;
  /** What reading the file noticed (a key given twice), for the startup warnings. */
  warnings?: string[];
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
  // As LiteLLM reads it (PyYAML, YAML 1.1): see litellm/pyyaml-reading.ts.
  const { doc, duplicates } = parsePyYaml(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, where, `invalid YAML: ${message}`);
  }
  const raw = (doc.toJS() ?? {}) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, '', 'the config must be a YAML mapping');
  const config = withoutNulls(raw) as SluiceConfig;
  const warnings = duplicates.map((d) => `${file}: ${d}`);
  if (config.include?.length) {
    mergeIncludes(config, file, (included) => {
      const other = readConfigFile(included);
      warnings.push(...(other.warnings ?? []));
      return other.config;
    });
  }
  assertValid(validateConfig, config, file, '');
  return { file, config, warnings };
}
