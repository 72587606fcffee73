/**
 * The one ajv configuration plugin schemas are compiled with: by the kernel when it loads a plugin
 * and by `sluice plugin verify` beforehand, so both accept and refuse the same schemas.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

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
