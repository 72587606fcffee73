/** `POST /v1/responses`: the body checked, with `input` read as a list of items. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { ResponsesErrors } from './errors.js';

export interface CreateRequest {
  /** The body as the client sent it (relayed to deployments that serve the Responses API). */
  body: JsonObject;
  model: string;
  /** `input` as items: a string input is one user message, as OpenAI lists it in `input_items`. */
  items: JsonObject[];
  instructions: string | undefined;
  stream: boolean;
  /** OpenAI's default is true: the response is kept for `previous_response_id` and `GET`. */
  store: boolean;
  previousResponseId: string | undefined;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readCreateRequest(body: unknown, maxItems: number): CreateRequest {
  if (!isObject(body)) throw ResponsesErrors.INVALID_PARAM({ param: 'body', reason: 'expected a JSON object.' }, { param: null });
  const { model, input, instructions, stream, store, previous_response_id: previous } = body;
  if (model === undefined || model === null || model === '') throw ResponsesErrors.MISSING_PARAM({ param: 'model' }, { param: 'model' });
  if (typeof model !== 'string') throw invalid('model', 'expected a string.');
  if (input === undefined || input === null) throw ResponsesErrors.MISSING_PARAM({ param: 'input' }, { param: 'input' });
  let items: JsonObject[];
  if (typeof input === 'string') items = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  else if (Array.isArray(input)) items = input.map((item, i) => checkItem(item, i));
  else throw invalid('input', 'expected a string or an array of input items.');
  if (items.length > maxItems) throw invalid('input', `expected at most ${maxItems} items, got ${items.length}.`);
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') throw invalid('instructions', 'expected a string.');
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw invalid('stream', 'expected a boolean.');
  if (store !== undefined && store !== null && typeof store !== 'boolean') throw invalid('store', 'expected a boolean.');
  if (previous !== undefined && previous !== null && (typeof previous !== 'string' || previous.length === 0 || previous.length > 512)) {
    throw invalid('previous_response_id', 'expected a response id.');
  }
  checkOptionalArray(body.tools, 'tools');
  for (const key of ['text', 'reasoning', 'metadata'] as const) {
    if (body[key] !== undefined && body[key] !== null && !isObject(body[key])) throw invalid(key, 'expected an object.');
  }
  return {
    body,
    model,
    items,
    instructions: typeof instructions === 'string' ? instructions : undefined,
    stream: stream === true,
    store: store !== false,
    previousResponseId: typeof previous === 'string' ? previous : undefined,
  };
}

function checkItem(item: JsonValue, i: number): JsonObject {
  if (!isObject(item)) throw invalid(`input[${i}]`, 'expected an object.');
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  if (typeof type !== 'string') throw invalid(`input[${i}]`, "expected an object with a string 'type' or 'role'.");
  if (type === 'message' && typeof item.role !== 'string') throw invalid(`input[${i}].role`, 'expected a string.');
  if ((type === 'function_call' || type === 'function_call_output') && typeof item.call_id !== 'string') throw invalid(`input[${i}].call_id`, 'expected a string.');
  // An item without `type` is an "easy" message; naming it keeps later readers to one shape.
  return item.type === undefined ? { ...item, type } : item;
}

function checkOptionalArray(value: JsonValue | undefined, param: string): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw invalid(param, 'expected an array.');
  value.forEach((v, i) => {
    if (!isObject(v)) throw invalid(`${param}[${i}]`, 'expected an object.');
  });
}

function invalid(param: string, reason: string) {
  return ResponsesErrors.INVALID_PARAM({ param, reason }, { param });
}
