/** Deterministic OpenAI-format answers: same request, same content and usage. */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

/** ~4 characters per token, as tokenizers average on English text. */
export function tokenCount(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

export function textOf(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string' ? part.text : '')).join(' ');
  }
  return '';
}

export function promptText(body: JsonObject): string {
  if (Array.isArray(body.messages)) return (body.messages as JsonObject[]).map((m) => textOf(m.content)).join('\n');
  if (typeof body.prompt === 'string') return body.prompt;
  if (Array.isArray(body.prompt)) return body.prompt.map((p) => (typeof p === 'string' ? p : '')).join('\n');
  return '';
}

export function lastUserText(body: JsonObject): string {
  if (Array.isArray(body.messages)) {
    const users = (body.messages as JsonObject[]).filter((m) => m.role === 'user');
    return textOf(users[users.length - 1]?.content);
  }
  return promptText(body);
}

export function fakeId(prefix: string, body: JsonObject): string {
  return `${prefix}-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`;
}

export function usageFor(prompt: string, completion: string): JsonObject {
  const p = tokenCount(prompt);
  const c = tokenCount(completion);
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

/** Splits a reply into stream deltas on word boundaries, keeping the spaces. */
export function streamPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A unit vector seeded by the input text, so equal inputs embed equally. */
export function embeddingOf(input: string, dimensions: number): number[] {
  const out = new Array<number>(dimensions);
  let seed = createHash('sha256').update(input).digest().readUInt32LE(0) || 1;
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const v = ((seed >>> 0) / 0xffffffff) * 2 - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) out[i] = Math.fround(out[i]! * scale);
  return out;
}

export function base64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}
