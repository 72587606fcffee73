/**
 * Bounds the fields a sandboxed plugin logs, so one call cannot write megabytes to the log or a
 * structure deep enough to hurt the serializer. What survives is nested under one key by the
 * caller, so a plugin cannot forge `level`, `plugin`, `msg` or `time` of its own log lines.
 */

/** The largest fields object (as JSON) read from a plugin at all; larger is dropped in the isolate. */
export const MAX_LOG_FIELDS_JSON = 256 * 1024;
/** Characters of a plugin's log message kept. */
export const MAX_LOG_MESSAGE = 2000;

export interface FieldLimits {
  /** Characters of one string kept. */
  stringChars: number;
  /** Characters of strings and keys kept over the whole fields object. */
  totalChars: number;
  /** Levels of nesting kept below the top. */
  depth: number;
  /** Keys of one object (and items of one array) kept. */
  entries: number;
}

export const PLUGIN_FIELD_LIMITS: FieldLimits = Object.freeze({ stringChars: 8 * 1024, totalChars: 32 * 1024, depth: 6, entries: 50 });

const CUT = '[truncated]';

/**
 * A copy of `value` within `limits`; whatever was cut is marked `[truncated]`. Every value spends
 * the characters it takes in JSON (punctuation included) from `totalChars`, so the copy's JSON
 * stays near that size whatever its shape.
 */
export function boundFields(value: unknown, limits: FieldLimits = PLUGIN_FIELD_LIMITS): unknown {
  let budget = limits.totalChars;
  const take = (text: string, punctuation: number): string => {
    const kept = text.slice(0, Math.max(0, Math.min(limits.stringChars, budget)));
    budget -= kept.length + punctuation;
    return kept.length < text.length ? `${kept}${CUT}` : kept;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return take(v, 3);
    if (v === null || typeof v !== 'object') {
      budget -= String(v).length + 1;
      return v;
    }
    if (depth >= limits.depth || budget <= 0) return CUT;
    budget -= 2;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v.slice(0, limits.entries)) {
        if (budget <= 0) break;
        out.push(walk(item, depth + 1));
      }
      if (out.length < v.length) out.push(CUT);
      return out;
    }
    const out: Record<string, unknown> = {};
    let kept = 0;
    const keys = Object.keys(v);
    for (const key of keys) {
      if (kept >= limits.entries || budget <= 0) break;
      // defineProperty: a `__proto__` key from JSON.parse stays a plain key.
      Object.defineProperty(out, take(key, 4), { value: walk((v as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true });
      kept++;
    }
    if (kept < keys.length) out[CUT] = `${keys.length - kept} more keys`;
    return out;
  };
  return walk(value, 0);
}
