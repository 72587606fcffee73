/**
 * A local stand-in for OpenAI's Responses API (`/v1/responses`): create (JSON and typed SSE
 * events, in OpenAI's order with sequence numbers), retrieve, delete and input_items, with
 * `previous_response_id` resolved from what it stored, and OpenAI's error shapes. It records
 * every request so tests see what Sluice sent.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** What the fake model answers: text, or a function call. */
export type Answer = { text: string } | { call: { name: string; arguments: string } };

export interface FakeResponses {
  url: string;
  requests: Recorded[];
  /** Chooses the answer for a create request (default: text naming how many input items it saw). */
  answer: (body: any, history: any[]) => Answer;
  /** Stored responses by id, with their input items. */
  stored: Map<string, { response: any; input: any[]; history: any[] }>;
  close(): Promise<void>;
}

const USAGE = { input_tokens: 11, input_tokens_details: { cached_tokens: 3 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 };
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** OpenAI's layout (`/v1/responses`, `Authorization: Bearer`), or Azure's (`/openai/responses?api-version=`, `api-key`). */
export interface FakeLayout {
  prefix: '/v1' | '/openai';
  auth: 'bearer' | 'api-key';
}

export async function startFakeResponses(apiKey: string, layout: FakeLayout = { prefix: '/v1', auth: 'bearer' }): Promise<FakeResponses> {
  const fake: FakeResponses = {
    url: '',
    requests: [],
    stored: new Map(),
    answer: (body, history) => ({ text: `fake saw ${history.length + itemsOf(body.input).length} items` }),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      fake.requests.push(recorded);
      void handle(fake, apiKey, layout, recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

function error(res: ServerResponse, status: number, message: string, param: string | null, code: string | null, type = 'invalid_request_error'): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param, code } }));
}

function itemsOf(input: unknown): any[] {
  if (typeof input === 'string') return [{ id: id('msg'), type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  return Array.isArray(input) ? input.map((i) => ({ id: id('msg'), ...i })) : [];
}

async function handle(fake: FakeResponses, apiKey: string, layout: FakeLayout, r: Recorded, res: ServerResponse): Promise<void> {
  const presented = layout.auth === 'bearer' ? r.headers.authorization : r.headers['api-key'];
  if (presented !== (layout.auth === 'bearer' ? `Bearer ${apiKey}` : apiKey)) return error(res, 401, 'Incorrect API key provided.', null, 'invalid_api_key');
  const url = new URL(r.path, 'http://fake');
  if (layout.prefix === '/openai' && !url.searchParams.get('api-version')) return error(res, 404, 'Resource not found', null, '404');
  const match = new RegExp(`^${layout.prefix}/responses(?:/([^/]+)(/input_items)?)?$`).exec(url.pathname);
  if (!match) return error(res, 404, `Unknown path ${url.pathname}`, null, null);
  const [, rid, inputItems] = match;
  if (rid) {
    const stored = fake.stored.get(decodeURIComponent(rid));
    if (!stored) return error(res, 404, `Response with id '${rid}' not found.`, null, null);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (r.method === 'DELETE') {
      fake.stored.delete(stored.response.id);
      return void res.end(JSON.stringify({ id: stored.response.id, object: 'response', deleted: true }));
    }
    if (inputItems) {
      const data = [...stored.input].reverse();
      return void res.end(JSON.stringify({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false }));
    }
    return void res.end(JSON.stringify(stored.response));
  }
  if (r.method !== 'POST') return error(res, 405, 'Method not allowed', null, null);
  const body = r.body;
  if (!body || typeof body.model !== 'string') return error(res, 400, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (body.input === undefined) return error(res, 400, "Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  let history: any[] = [];
  if (body.previous_response_id) {
    const prev = fake.stored.get(body.previous_response_id);
    if (!prev) return error(res, 400, `Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found');
    history = [...prev.history, ...prev.input, ...prev.response.output];
  }
  const answer = fake.answer(body, history);
  const responseId = id('resp');
  const base = {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: `${body.model}-2025-01-01`,
    output: [] as any[],
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    store: body.store ?? true,
    tools: body.tools ?? [],
    usage: null as any,
  };
  const item =
    'text' in answer
      ? { id: id('msg'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: answer.text, annotations: [] }] }
      : { id: id('fc'), type: 'function_call', status: 'completed', call_id: id('call'), name: answer.call.name, arguments: answer.call.arguments };
  const final = { ...base, status: 'completed', output: [item], usage: USAGE };
  if (body.store !== false) fake.stored.set(responseId, { response: final, input: itemsOf(body.input), history });
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify(final));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  const send = async (type: string, data: object) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    await new Promise((r) => setImmediate(r));
  };
  await send('response.created', { response: base });
  await send('response.in_progress', { response: base });
  if (item.type === 'message') {
    const text = (item as any).content[0].text as string;
    await send('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    await send('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const piece of text.match(/.{1,4}/g) ?? []) await send('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: piece, logprobs: [] });
    await send('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text, logprobs: [] });
    await send('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: (item as any).content[0] });
  } else {
    const call = item as any;
    await send('response.output_item.added', { output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } });
    await send('response.function_call_arguments.delta', { item_id: call.id, output_index: 0, delta: call.arguments });
    await send('response.function_call_arguments.done', { item_id: call.id, output_index: 0, arguments: call.arguments });
  }
  await send('response.output_item.done', { output_index: 0, item });
  await send('response.completed', { response: final });
  res.end();
}
