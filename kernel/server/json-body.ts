/**
 * The one JSON body parser of both HTTP paths (the call fast path and fastify's content-type
 * parser), with a bound on nesting depth and on string length. Everything downstream of a body
 * (structuredClone for spend events, deep freezing, JSON.stringify, plugins) recurses, and a body
 * nested thousands of levels deep made those throw after the answer was sent, losing the call's
 * spend. Bounding at parse time refuses such a body with a 400 before anything runs.
 *
 * JSON.parse itself does not recurse in V8; the check is one walk over the parsed value, recursing
 * at most `maxDepth` frames (the schema caps `maxDepth`, so the stack stays small).
 */
import { KernelErrors } from '../errors.js';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays; the body itself is level 1. */
  maxDepth: number;
  /** Longest string, key or value, in UTF-16 code units (what `String.length` counts). */
  maxStringLength: number;
}

/**
 * 64 levels: an OpenAI body puts a tool's JSON schema at level 5 (body → tools → tool → function →
 * parameters), each nested schema object adds two (properties → name), so 64 leaves room for
 * schemas nested about 29 objects deep; OpenAI's strict schemas allow 10. It is also the default of
 * .NET's System.Text.Json.
 */
export const DEFAULT_JSON_MAX_DEPTH = 64;

/** No bound below the body limit by default: a base64 image or audio input is one long string. */
export const DEFAULT_JSON_MAX_STRING_LENGTH = Number.MAX_SAFE_INTEGER;

export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({ maxDepth: DEFAULT_JSON_MAX_DEPTH, maxStringLength: DEFAULT_JSON_MAX_STRING_LENGTH });

/** A request body as JSON, for both paths: an empty body is no body. */
export function parseJsonBody(text: string, limits: JsonLimits): unknown {
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // A RangeError is the stack or the heap giving up on a pathological body: still the client's fault.
    if (err instanceof RangeError) throw KernelErrors.REQUEST_TOO_DEEP({ limit: limits.maxDepth });
    throw KernelErrors.REQUEST_MALFORMED_JSON({ detail: `(${(err as Error).message})` });
  }
  if (typeof value === 'object' && value !== null) checkNested(value, 1, limits);
  else if (typeof value === 'string' && value.length > limits.maxStringLength) throw KernelErrors.REQUEST_STRING_TOO_LONG({ limit: limits.maxStringLength });
  return value;
}

function checkNested(node: object, depth: number, limits: JsonLimits): void {
  if (depth > limits.maxDepth) throw KernelErrors.REQUEST_TOO_DEEP({ limit: limits.maxDepth });
  const maxString = limits.maxStringLength;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      if (typeof v === 'object') {
        if (v !== null) checkNested(v, depth + 1, limits);
      } else if (typeof v === 'string' && v.length > maxString) {
        throw KernelErrors.REQUEST_STRING_TOO_LONG({ limit: maxString });
      }
    }
    return;
  }
  // for…in: no array of keys per object. JSON.parse makes plain objects, so every key is own.
  for (const key in node) {
    if (key.length > maxString) throw KernelErrors.REQUEST_STRING_TOO_LONG({ limit: maxString });
    const v = (node as Record<string, unknown>)[key];
    if (typeof v === 'object') {
      if (v !== null) checkNested(v, depth + 1, limits);
    } else if (typeof v === 'string' && v.length > maxString) {
      throw KernelErrors.REQUEST_STRING_TOO_LONG({ limit: maxString });
    }
  }
}
