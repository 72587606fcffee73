/** Reading a provider's JSON answer: an unreadable body is the upstream's fault (502), never a crash. */
import { UpstreamError } from '../errors.js';
import type { JsonObject } from '../json.js';

/** The body as a JSON object, with its raw text; throws a 502 UpstreamError naming `provider` otherwise. */
export async function readJsonObject(body: { text(): Promise<string> }, provider: string): Promise<{ json: JsonObject; raw: string }> {
  const raw = await body.text();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UpstreamError(`${provider} sent a non-JSON body: ${raw.slice(0, 200)}`, { status: 502 });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UpstreamError(`${provider} sent a JSON body that is not an object`, { status: 502 });
  return { json: json as JsonObject, raw };
}
