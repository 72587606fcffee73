/** One ajv instance for config-time validation (never per request). */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigError } from './config-error.js';

// ajv-formats is CommonJS with a default export; under NodeNext its namespace needs unwrapping.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void;

let shared: Ajv | undefined;

export function getAjv(): Ajv {
  if (shared) return shared;
  shared = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
  addFormats(shared);
  // Marks a secret: the kernel redacts it from logs. Carries no validation.
  shared.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return shared;
}

export function compileSchema(schema: object): ValidateFunction {
  return getAjv().compile(schema);
}

/** Validates `value` and throws a ConfigError per the first problems, with JSON-pointer-like paths. */
export function assertValid(validate: ValidateFunction, value: unknown, file: string, basePath: string): void {
  if (validate(value)) return;
  const problems = (validate.errors ?? []).slice(0, 5).map((e) => describe(e, basePath));
  const first = problems[0] ?? { path: basePath, message: 'is invalid' };
  const more = problems.length > 1 ? `; also: ${problems.slice(1).map((p) => `${p.path}: ${p.message}`).join('; ')}` : '';
  throw new ConfigError(file, first.path, first.message + more);
}

function describe(e: ErrorObject, basePath: string): { path: string; message: string } {
  const pointer = e.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  let path = [basePath, ...pointer].filter(Boolean).join('.');
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path = [path, extra].filter(Boolean).join('.');
    message = 'is not a known setting';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    path = [path, missing].filter(Boolean).join('.');
    message = 'is required';
  }
  return { path, message };
}
