/**
 * Dotted paths that must be present in a request body (`user`, `metadata.generation_name`), and the
 * name LiteLLM gives a missing one in its message: the top-level key as is (`user`, `metadata`),
 * a nested one in brackets (`[metadata][generation_name]`).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

export type RequiredParam = readonly string[];

export function parseRequiredParam(path: string): RequiredParam {
  return Object.freeze(path.split('.'));
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The name of the first missing part of `param` in `body`, or undefined when it is all there.
 * Presence is what counts (LiteLLM's `key in dict`): `"user": null` satisfies `user`.
 */
export function missingPart(body: JsonObject, param: RequiredParam): string | undefined {
  let node: JsonValue | undefined = body;
  for (let depth = 0; depth < param.length; depth++) {
    if (!isObject(node) || !Object.hasOwn(node, param[depth]!)) {
      return depth === 0 ? param[0] : param.slice(0, depth + 1).map((p) => `[${p}]`).join('');
    }
    node = node[param[depth]!];
  }
  return undefined;
}
