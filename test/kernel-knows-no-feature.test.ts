/**
 * The kernel knows no feature: LiteLLM's pricing fields, tenancy fields, provider names and
 * guardrail modes live in the plugins that own them. The only kernel code allowed to name them
 * is the LiteLLM config translation (kernel/config/litellm/), which maps LiteLLM's form onto
 * Sluice's own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../kernel/paths.js';

const KERNEL = join(PROJECT_ROOT, 'kernel');
const TRANSLATION = join(KERNEL, 'config', 'litellm');

function kernelFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === TRANSLATION) return [];
    if (statSync(path).isDirectory()) return kernelFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** What each feature's knowledge looks like in code. `openai` alone is the API format the gateway speaks, not a provider. */
const FEATURE_KNOWLEDGE: Record<string, RegExp> = {
  'pricing fields': /cost_per_token|max_budget|soft_budget|budget_duration/,
  'tenancy fields': /\bteam_id\b|\borganization_id\b|\bkey_alias\b|principal\??\.models\b/,
  'provider names': /\b(anthropic|bedrock|gemini|ollama|azure|vertex_ai|cohere|mistral|groq|claude)\b|\bgpt-|['"](openai|openai_compatible|fake)['"]/i,
  'guardrail modes': /\b(pre_call|during_call|post_call|logging_only|default_on)\b/,
};

describe('kernel/ outside the LiteLLM translation', () => {
  const files = kernelFiles(KERNEL);

  it.each(Object.entries(FEATURE_KNOWLEDGE))('names no %s', (_feature, pattern) => {
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (pattern.test(line) ? [`${relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
