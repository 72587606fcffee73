/** Reading a provider's JSON answer: an unreadable body is the upstream's fault (502), never a crash. */
import { UpstreamError } from '../errors.js';
import { isJsonSpace, type JsonObject } from '../json.js';

/** The body as a JSON object, with its raw text; throws a 502 UpstreamError naming `provider` otherwise. */
export async function readJsonObject(body: { text(): Promise<string> }, provider: string): Promise<{ json: JsonObject; raw: string }> {
  const raw = await body.text();
  return { json: parseObject(raw, provider), raw };
}

/**
 * An OpenAI-format JSON answer, to be relayed as its own bytes: `body` is parsed only when read
 * (by a postCall plugin); the kernel takes usage from the raw text. An answer that cannot be a
 * JSON object (an HTML error page, a cut-off body) is still refused here, as a 502 the router can
 * retry or fall back on.
 */
export async function readJsonAnswer(body: { text(): Promise<string> }, provider: string, status: number): Promise<{ kind: 'json'; status: number; body: JsonObject; raw: string }> {
  const raw = await body.text();
  let a = 0;
  let b = raw.length - 1;
  while (a < b && isJsonSpace(raw.charCodeAt(a))) a++;
  while (b > a && isJsonSpace(raw.charCodeAt(b))) b--;
  // Not an object: parsing now throws the 502 (or, for odd spacing, returns it parsed).
  if (raw.charCodeAt(a) !== 123 || raw.charCodeAt(b) !== 125) return { kind: 'json', status, body: parseObject(raw, provider), raw };
  let parsed: JsonObject | undefined;
  return {
    kind: 'json',
    status,
    raw,
    get body(): JsonObject {
      parsed ??= parseObject(raw, provider);
      return parsed;
    },
  };
}

function parseObject(raw: string, provider: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UpstreamError(`${provider} sent a non-JSON body: ${raw.slice(0, 200)}`, { status: 502 });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UpstreamError(`${provider} sent a JSON body that is not an object`, { status: 502 });
  return json as JsonObject;
}
