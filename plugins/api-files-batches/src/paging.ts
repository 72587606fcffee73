/** OpenAI's cursor paging of list endpoints: `limit`, `after` (an id), `order`, and the list envelope. */
import type { JsonObject, RouteRequest } from '@sluice/plugin-sdk';
import { FilesErrors } from './errors.js';

export interface Paging {
  limit: number;
  after?: string;
  order: 'asc' | 'desc';
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function pagingOf(query: RouteRequest['query'], bounds: { defaultLimit: number; maxLimit: number }): Paging {
  const rawLimit = one(query.limit);
  let limit = bounds.defaultLimit;
  if (rawLimit !== undefined && rawLimit !== '') {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > bounds.maxLimit) {
      throw FilesErrors.BAD_PAGING({ name: 'limit', reason: `expected an integer from 1 to ${bounds.maxLimit}, got ${JSON.stringify(rawLimit)}` }, { param: 'limit' });
    }
  }
  const rawOrder = one(query.order);
  if (rawOrder !== undefined && rawOrder !== '' && rawOrder !== 'asc' && rawOrder !== 'desc') {
    throw FilesErrors.BAD_PAGING({ name: 'order', reason: `expected 'asc' or 'desc', got ${JSON.stringify(rawOrder)}` }, { param: 'order' });
  }
  const after = one(query.after);
  return { limit, order: rawOrder === 'asc' ? 'asc' : 'desc', ...(after !== undefined && after !== '' && { after }) };
}

/** OpenAI's list envelope. */
export function listPage(data: JsonObject[], hasMore: boolean): JsonObject {
  const first = data[0]?.id;
  const last = data[data.length - 1]?.id;
  return { object: 'list', data, first_id: typeof first === 'string' ? first : null, last_id: typeof last === 'string' ? last : null, has_more: hasMore };
}
