/**
 * Ids of responses Sluice builds from chat answers: `resp_` and 48 hex digits, as OpenAI's look.
 * LiteLLM base64-encodes the provider and deployment into its ids; Sluice's store maps every id
 * to its deployment instead, which keeps ids short enough for a URL path segment (LiteLLM's run
 * past 100 characters, with `/` and `=` in them). Native responses keep their upstream's id.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '@sluice/plugin-sdk';

export function translatedResponseId(): string {
  return `resp_${randomBytes(24).toString('hex')}`;
}

const ITEM_PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco' };

/** Input items as stored and listed by `input_items`: every item gets an id, as OpenAI gives them. */
export function withItemIds(items: readonly JsonObject[]): JsonObject[] {
  return items.map((item) => {
    if (typeof item.id === 'string' && item.id) return item;
    const prefix = ITEM_PREFIX[String(item.type)] ?? 'item';
    return { id: `${prefix}_${randomBytes(24).toString('hex')}`, ...item };
  });
}
