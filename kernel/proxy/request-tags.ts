/** Spend-report tags a request names: `metadata.tags` (LiteLLM) and the `x-litellm-tags` header (comma-separated). */
import type { JsonObject } from '@sluice/plugin-sdk';

export function requestTags(body: JsonObject, header: string | string[] | undefined): string[] {
  const metadata = body.metadata;
  const listed = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as JsonObject).tags : undefined;
  if (listed === undefined && header === undefined) return [];
  const tags = new Set<string>();
  if (Array.isArray(listed)) for (const t of listed) if (typeof t === 'string' && t.trim()) tags.add(t.trim());
  for (const h of [header ?? []].flat()) for (const t of h.split(',')) if (t.trim()) tags.add(t.trim());
  return [...tags];
}
