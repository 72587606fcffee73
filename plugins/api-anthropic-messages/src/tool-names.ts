/**
 * OpenAI caps function names at 64 characters; Anthropic does not. A longer name goes out as its
 * first 55 characters, `_` and 8 hex of its SHA-256 (LiteLLM's scheme, so two long names sharing a
 * prefix stay distinct), and the answer's tool calls get their original names back.
 */
import { createHash } from 'node:crypto';

const MAX_NAME = 64;
const HASH_CHARS = 8;

export function truncateToolName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_CHARS);
  return `${name.slice(0, MAX_NAME - HASH_CHARS - 1)}_${hash}`;
}

/** Truncated name → original, for the names that were truncated. */
export type ToolNameMap = ReadonlyMap<string, string>;

export function originalToolName(names: ToolNameMap, name: string): string {
  return names.size === 0 ? name : (names.get(name) ?? name);
}
