/**
 * The headers of a generic_api request, merged LiteLLM's way (GenericAPILogger._get_headers):
 * `Content-Type: application/json`, then GENERIC_LOGGER_HEADERS ("name=value,name2=value2"),
 * then litellm_settings.generic_logger_headers, then the callback's own `headers`. Names are
 * lower-cased so a later source replaces an earlier one whatever its case.
 */
export type HeaderSource = string | Readonly<Record<string, string | number | boolean>> | undefined;

/** "a=1,b=2" (LiteLLM's format) or a JSON object text → name/value pairs; unreadable parts are skipped. */
export function parseHeaderList(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return stringValues(parsed as Record<string, unknown>);
    } catch {
      // not JSON after all: read it as name=value pairs
    }
  }
  const out: Record<string, string> = {};
  for (const item of trimmed.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim();
    if (name) out[name] = item.slice(eq + 1).trim();
  }
  return out;
}

export function mergeHeaders(...sources: HeaderSource[]): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json' };
  for (const source of sources) {
    if (source === undefined) continue;
    const pairs = typeof source === 'string' ? parseHeaderList(source) : stringValues(source);
    for (const [name, value] of Object.entries(pairs)) out[name.toLowerCase()] = value;
  }
  return out;
}

function stringValues(o: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  return out;
}
