/**
 * LiteLLM's `include:` — other files' model_list entries are appended, their other sections merged
 * under this file's (this file wins). Runs as the file is read, before the schema check, so the
 * merged whole is what gets validated.
 */
import { dirname, resolve } from 'node:path';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const MERGED_SECTIONS = ['litellm_settings', 'general_settings', 'router_settings', 'environment_variables'] as const;

/** `readFile` reads (and itself merges the includes of) one included file. */
export function mergeIncludes(config: SluiceConfig, file: string, readFile: (path: string) => SluiceConfig): void {
  for (const included of config.include ?? []) {
    const other = readFile(resolve(dirname(file), included));
    if (other.model_list) config.model_list = [...(config.model_list ?? []), ...other.model_list];
    for (const section of MERGED_SECTIONS) {
      if (other[section]) config[section] = { ...other[section], ...config[section] } as never;
    }
    if (other.plugins) config.plugins = [...(config.plugins ?? []), ...other.plugins];
  }
  delete config.include;
}
