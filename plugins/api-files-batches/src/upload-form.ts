/**
 * What `POST /v1/files` reads from its form, as LiteLLM's `create_file` reads it: the destination
 * (destination.ts), `purpose` (one of LiteLLM's `OpenAIFilesPurpose`), `expires_after[anchor]` and
 * `expires_after[seconds]` (both or neither; anchor `created_at`; whole seconds), and which fields
 * the provider gets (only those OpenAI takes).
 */
import type { RouteRequest } from '@sluice/plugin-sdk';
import { destinationOf, namedModel, namedProvider, splitTargetModelNames, type Destination } from './destination.js';
import { FilesErrors } from './errors.js';
import { lastValue, type FormFields } from './multipart-upload.js';

/** LiteLLM's `OpenAIFilesPurpose`. */
const PURPOSES = new Set(['assistants', 'assistants_output', 'batch', 'batch_output', 'fine-tune', 'fine-tune-results', 'vision', 'user_data']);
/** The form fields the provider takes (LiteLLM's CreateFileRequest); LiteLLM's own fields stay here. */
const PROVIDER_FIELDS = ['purpose', 'expires_after[anchor]', 'expires_after[seconds]'];
/** Fields that choose the destination: too late once the file is on its way. */
const ROUTING_FIELDS = ['custom_llm_provider', 'model'];

/** Where the upload goes, from the form fields seen so far (and the path, query and headers). */
export function destinationOfForm(req: RouteRequest, before: FormFields, after: FormFields = new Map()): Destination {
  const field = (name: string) => lastValue(after, name) ?? lastValue(before, name);
  return destinationOf({
    model: namedModel(req, field('model')),
    targetModelNames: splitTargetModelNames([...targetModelNameValues(before), ...targetModelNameValues(after)]),
    provider: namedProvider(req, field('custom_llm_provider')),
  });
}

function sameDestination(a: Destination, b: Destination): boolean {
  if (a.kind === 'provider') return b.kind === 'provider' && a.provider === b.provider;
  return b.kind === 'model' && a.model === b.model && a.managed === b.managed;
}

const isTargetModelNames = (name: string) => name === 'target_model_names' || (name.startsWith('target_model_names[') && name.endsWith(']'));

/** `target_model_names` as the OpenAI SDKs send it: one field, `target_model_names[]` repeated, or indexed. */
function targetModelNameValues(fields: FormFields): string[] {
  const out: string[] = [];
  for (const [name, values] of fields) {
    if (isTargetModelNames(name)) out.push(...values);
  }
  return out;
}

export function checkPurpose(purpose: string): void {
  if (!PURPOSES.has(purpose)) throw FilesErrors.INVALID_PURPOSE({ purpose });
}

export function providerFields(fields: FormFields): [string, string][] {
  const out: [string, string][] = [];
  for (const name of PROVIDER_FIELDS) for (const v of fields.get(name) ?? []) out.push([name, v]);
  return out;
}

/**
 * Checks the whole form once the client's body is complete, and returns the provider's fields
 * that came after the file. Throwing here abandons the upload before the provider sees its end.
 */
export function completeForm(req: RouteRequest, before: FormFields, after: FormFields, dest: Destination): [string, string][] {
  const all = (name: string) => lastValue(after, name) ?? lastValue(before, name);
  const purpose = all('purpose');
  if (purpose === undefined) throw FilesErrors.MISSING_PARAMETER({ name: 'purpose' }, { param: 'purpose' });
  checkPurpose(purpose);
  const anchor = all('expires_after[anchor]');
  const seconds = all('expires_after[seconds]');
  if ((anchor === undefined) !== (seconds === undefined)) throw FilesErrors.EXPIRES_AFTER_PAIR();
  if (anchor !== undefined && anchor !== 'created_at') throw FilesErrors.EXPIRES_AFTER_ANCHOR({ anchor });
  if (seconds !== undefined && !/^\s*[+-]?\d+\s*$/.test(seconds)) throw FilesErrors.EXPIRES_AFTER_SECONDS({ seconds });
  const late = [...after.keys()].find((n) => ROUTING_FIELDS.includes(n) || isTargetModelNames(n));
  if (late !== undefined && !sameDestination(destinationOfForm(req, before, after), dest)) throw FilesErrors.ROUTING_AFTER_FILE({ name: late, destination: dest.kind === 'model' ? `model group '${dest.model}'` : `provider '${dest.provider}'` }, { param: late });
  return providerFields(after);
}
