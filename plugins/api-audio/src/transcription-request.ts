/**
 * A transcription or translation form, checked: one audio `file` part, a `model`, and OpenAI's
 * text fields (`language`, `prompt`, `response_format`, `temperature`, `timestamp_granularities[]`,
 * `include[]`…) as a JSON object. Values stay the strings the form carried; a field sent as
 * `name[]` becomes the array `name`, which the SDK's multipart writer sends back as `name[]`.
 */
import type { JsonObject, ProviderFile } from '@sluice/plugin-sdk';
import type { MultipartForm } from '@sluice/plugin-sdk/node';
import { AudioErrors } from './errors.js';

export interface TranscriptionRequest {
  model: string;
  /** Every text field, `model` included: what the preCall chain reads and, after it, what goes upstream. */
  fields: JsonObject;
  file: ProviderFile;
  /** `stream=true`: the upstream's SSE events are relayed as they come (gpt-4o-transcribe). */
  stream: boolean;
}

/** Fields that take one value; sending one twice is a mistake worth a 400, not a silent pick. */
const SINGLE = new Set(['model', 'language', 'prompt', 'response_format', 'temperature', 'stream', 'chunking_strategy', 'user']);

export function transcriptionRequest(form: MultipartForm): TranscriptionRequest {
  const fields: JsonObject = {};
  for (const [raw, value] of Object.entries(form.fields)) {
    const list = raw.endsWith('[]');
    const name = list ? raw.slice(0, -2) : raw;
    if (SINGLE.has(name) && (list || Array.isArray(value))) throw AudioErrors.REPEATED_FIELD({ field: name }, { param: name });
    const values = Array.isArray(value) ? value : [value];
    if (list || Array.isArray(value)) {
      const previous = fields[name];
      fields[name] = Array.isArray(previous) ? [...previous, ...values] : values;
    } else fields[name] = value;
  }
  const other = form.files.find((f) => f.field !== 'file');
  if (other) throw AudioErrors.UNEXPECTED_FILE({ field: other.field.slice(0, 100) }, { param: other.field.slice(0, 100) });
  const file = form.files[0];
  if (!file) throw AudioErrors.MISSING_FILE();
  if (file.data.byteLength === 0) throw AudioErrors.EMPTY_FILE();
  const model = fields.model;
  if (typeof model !== 'string' || model.trim() === '') throw AudioErrors.MISSING_MODEL();
  // `stream` steers the call (the route sends it back as `stream: true` when set).
  const stream = typeof fields.stream === 'string' && fields.stream.toLowerCase() === 'true';
  delete fields.stream;
  // A text field named `file` beside the upload is noise, never a parameter to send on.
  delete fields.file;
  return { model, fields, file, stream };
}
