/**
 * Reading the provider's answers: JSON objects (file and batch objects, lists) read whole but
 * bounded; anything else relayed as it streams. An error answer (4xx/5xx) is relayed to the client
 * with its status as the provider wrote it, as LiteLLM surfaces the provider's error.
 */
import type { ForwardResponse, JsonObject, RouteResult } from '@sluice/plugin-sdk';
import { FilesErrors } from './errors.js';

/** File and batch objects are a few kB; a list page of 10,000 files stays well under this. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

export type JsonAnswer = { ok: true; status: number; body: JsonObject } | { ok: false; result: RouteResult };

/** The answer's JSON object when it succeeded; otherwise the answer to relay as it is. */
export async function readJsonAnswer(res: ForwardResponse, what: string): Promise<JsonAnswer> {
  if (res.status >= 400) return { ok: false, result: relay(res) };
  const text = await readText(res.body, MAX_JSON_BYTES);
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw FilesErrors.BAD_UPSTREAM_ANSWER({ what });
  return { ok: true, status: res.status, body: parsed as JsonObject };
}

/** The provider's answer as it comes: status, content type, bytes. */
export function relay(res: ForwardResponse): RouteResult {
  const contentType = res.headers['content-type'];
  return { status: res.status, ...(contentType && { contentType }), stream: res.body };
}

/** The body as text, or undefined past `limit` bytes (the rest is not read). */
async function readText(body: AsyncIterable<Uint8Array>, limit: number): Promise<string | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Drains an answer nobody reads, so its connection goes back to the pool. */
export async function discard(res: ForwardResponse): Promise<void> {
  for await (const _ of res.body) void _;
}
