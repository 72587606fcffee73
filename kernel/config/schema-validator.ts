/** Config-time validation with the schema compiler the SDK's tooling uses too (never per request). */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError } from './config-error.js';

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
