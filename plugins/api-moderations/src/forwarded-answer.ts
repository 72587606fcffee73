/** A forwarded upstream answer read whole (a moderation answer is small), bounded, as a JSON object. */
import type { ForwardResponse, JsonObject } from '@sluice/plugin-sdk';
import { ModerationErrors } from './errors.js';

/** A moderation answer for 2048 inputs is well under this. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export async function readForwardedAnswer(response: ForwardResponse): Promise<{ status: number; body: JsonObject }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) throw ModerationErrors.ANSWER_TOO_LARGE({ limit: MAX_ANSWER_BYTES });
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw ModerationErrors.UNEXPECTED_ANSWER();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw ModerationErrors.UNEXPECTED_ANSWER();
  return { status: response.status, body: parsed as JsonObject };
}
