/**
 * A multipart/form-data body for an upstream call with files (`ProviderRequest.files`): the body's
 * fields as form fields, then the files, in the shape OpenAI's API and SDK use (arrays as repeated
 * `name[]` fields, objects as JSON text).
 */
import type { JsonObject } from '../json.js';
import type { ProviderFile } from '../provider.js';

export interface MultipartBody {
  contentType: string;
  body: Uint8Array;
}

/** Quotes a header parameter value; CR, LF and quotes cannot break out of it. */
function quoted(value: string): string {
  return `"${value.replace(/[\r\n]/g, ' ').replace(/"/g, '%22')}"`;
}

export function multipartBody(fields: JsonObject, files: readonly ProviderFile[]): MultipartBody {
  // Web Crypto, not node:crypto: the SDK's main entry is bundled into sandboxed plugins too.
  const random = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const boundary = `----sluice${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const parts: Uint8Array[] = [];
  // Made per call, not at load: the sandbox's isolate evaluates this module and has no TextEncoder.
  const encoder = new TextEncoder();
  const text = (t: string) => parts.push(encoder.encode(t));
  const field = (name: string, value: string) => text(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${value}\r\n`);
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      const arrayName = name.endsWith('[]') ? name : `${name}[]`;
      for (const item of value) field(arrayName, typeof item === 'string' ? item : JSON.stringify(item));
    } else if (typeof value === 'object') field(name, JSON.stringify(value));
    else field(name, String(value));
  }
  for (const f of files) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name=${quoted(f.field)}; filename=${quoted(f.filename)}\r\nContent-Type: ${f.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`);
    parts.push(f.data);
    text('\r\n');
  }
  text(`--${boundary}--\r\n`);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: concat(parts) };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
