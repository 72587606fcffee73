/**
 * JSON Schema (as OpenAI tools and `response_format` carry it) → the OpenAPI subset Gemini's
 * `Schema` accepts. Gemini answers 400 for any key it does not know (`additionalProperties`,
 * `$schema`, `strict`…), so this keeps a list of what it accepts rather than of what it rejects,
 * and rewrites the JSON Schema forms that have a Gemini equivalent: `$ref` is inlined,
 * `type: [T, "null"]` becomes `nullable`, `oneOf` becomes `anyOf`, `const` becomes `enum`.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { badRequest } from './google-errors.js';

const KEPT = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'minProperties', 'maxProperties',
  'minLength', 'maxLength', 'pattern', 'example', 'default', 'minimum', 'maximum', 'propertyOrdering',
]);

/** The `format` values Gemini accepts, per type; others (`uri`, `email`…) are rejected upstream. */
const FORMATS: Record<string, Set<string>> = {
  string: new Set(['enum', 'date-time']),
  integer: new Set(['int32', 'int64']),
  number: new Set(['float', 'double']),
};

export function toGeminiSchema(schema: JsonValue, where: string): JsonObject {
  if (!isObject(schema)) throw badRequest(`${where}: a JSON schema must be an object`);
  const defs = { ...asObject(schema.definitions), ...asObject(schema.$defs) };
  return convert(schema, defs, [], where);
}

/** True for `{type: "object"}` with no properties: Gemini rejects it as function `parameters`. */
export function isEmptyObjectSchema(schema: JsonValue | undefined): boolean {
  if (!isObject(schema)) return true;
  const props = schema.properties;
  return (schema.type === undefined || schema.type === 'object') && (!isObject(props) || Object.keys(props).length === 0) && schema.anyOf === undefined && schema.$ref === undefined;
}

function convert(schema: JsonObject, defs: JsonObject, refs: string[], where: string): JsonObject {
  if (typeof schema.$ref === 'string') {
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : defs[name];
    if (!isObject(target)) throw badRequest(`${where}: cannot resolve $ref ${schema.$ref}`);
    if (refs.includes(name!)) throw badRequest(`${where}: recursive schemas ($ref ${schema.$ref}) cannot be expressed for Gemini`);
    const { $ref: _ref, ...siblings } = schema;
    return convert({ ...target, ...siblings }, defs, [...refs, name!], where);
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    return convert(mergeAll([rest, ...allOf.filter(isObject)]), defs, refs, where);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT.has(key)) out[key] = value;
  }
  if (schema.const !== undefined && out.enum === undefined) out.enum = [schema.const];
  // Gemini's enums are lists of values; a null among them is its `nullable` flag.
  if (Array.isArray(out.enum) && out.enum.includes(null)) {
    out.enum = out.enum.filter((v) => v !== null);
    out.nullable = true;
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    if (types.length < schema.type.length) out.nullable = true;
    if (types.length === 1) out.type = types[0]!;
    else {
      delete out.type;
      out.anyOf = types.map((t) => ({ type: t }));
    }
  }
  if (typeof out.format === 'string' && !FORMATS[String(out.type)]?.has(out.format)) delete out.format;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) {
    const options = alternatives.filter(isObject);
    const nonNull = options.filter((o) => o.type !== 'null');
    if (nonNull.length < options.length) out.nullable = true;
    if (nonNull.length === 1) Object.assign(out, convert(nonNull[0]!, defs, refs, where), out.nullable ? { nullable: true } : {});
    else out.anyOf = nonNull.map((o) => convert(o, defs, refs, where));
  }
  if (isObject(schema.properties)) {
    const properties: JsonObject = {};
    for (const [name, prop] of Object.entries(schema.properties)) if (isObject(prop)) properties[name] = convert(prop, defs, refs, `${where}.${name}`);
    out.properties = properties;
    // Gemini rejects a `required` entry that names no property.
    if (Array.isArray(schema.required)) out.required = schema.required.filter((r) => typeof r === 'string' && r in properties);
  }
  if (isObject(schema.items)) out.items = convert(schema.items, defs, refs, `${where}[]`);
  else if (Array.isArray(schema.items) && isObject(schema.items[0])) out.items = convert(schema.items[0], defs, refs, `${where}[]`);
  return out;
}

function mergeAll(parts: JsonObject[]): JsonObject {
  const out: JsonObject = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isObject(out.properties) && isObject(value)) out.properties = { ...out.properties, ...value };
      else if (key === 'required' && Array.isArray(out.required) && Array.isArray(value)) out.required = [...new Set([...out.required, ...value])];
      else out[key] = value;
    }
  }
  return out;
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: JsonValue | undefined): JsonObject {
  return isObject(value) ? value : {};
}
