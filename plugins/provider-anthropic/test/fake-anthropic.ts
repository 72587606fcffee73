/**
 * A local stand-in for Anthropic's Messages API (version 2023-06-01). It records every request,
 * refuses what the real API refuses (a missing or wrong `x-api-key`, unknown top-level fields,
 * roles other than user/assistant, unpaired tool_use/tool_result blocks…) with Anthropic's own
 * error shape, and answers with the documented message and stream event shapes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export type ResponseBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One server-sent event as Anthropic writes it: `event: <type>` then `data: <json>`. */
export interface SseEvent {
  event: string;
  data: unknown;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  /** A 200 event stream; `raw` is appended as is (to test broken streams). */
  | { events: SseEvent[]; raw?: string; /** Wait this long between events (a slow generation). */ pauseMs?: number };

export interface FakeAnthropic {
  url: string;
  /** The key a request must carry in `x-api-key` (requests with `Authorization: Bearer` — the SDK's way — are let through). */
  apiKey: string;
  requests: RecordedRequest[];
  /** What to answer a valid request with. */
  respond: (request: RecordedRequest) => Reply;
  close(): Promise<void>;
}

export async function startFakeAnthropic(apiKey: string): Promise<FakeAnthropic> {
  const fake: FakeAnthropic = {
    url: '',
    apiKey,
    requests: [],
    respond: (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }) }),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      fake.requests.push(recorded);
      const refusal = refuse(fake, recorded);
      const reply = refusal ?? fake.respond(recorded);
      if ('events' in reply) {
        void writeStream(res, reply);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': 'req_fake_0001', ...reply.headers });
      res.end(JSON.stringify(reply.json));
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

/** Events are written one at a time with a pause between, so they reach Sluice over several reads. */
async function writeStream(res: import('node:http').ServerResponse, reply: { events: SseEvent[]; raw?: string; pauseMs?: number }): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake_0002' });
  for (const e of reply.events) {
    if (res.destroyed) return;
    res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    await new Promise((r) => (reply.pauseMs ? setTimeout(r, reply.pauseMs) : setImmediate(r)));
  }
  if (reply.raw) res.write(reply.raw);
  res.end();
}

export function errorReply(status: number, type: string, message: string, headers?: Record<string, string>): Reply {
  return { status, json: { type: 'error', error: { type, message }, request_id: 'req_fake_error' }, headers };
}

const TOP_LEVEL = new Set(['model', 'max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'tools', 'tool_choice', 'metadata', 'thinking']);
/** What `POST /v1/messages/count_tokens` takes: no max_tokens, no stream. */
const COUNT_TOP_LEVEL = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking']);
const BLOCK_TYPES = new Set(['text', 'image', 'document', 'tool_use', 'tool_result']);

/** The checks the real API makes before answering, with its error shapes. */
function refuse(fake: FakeAnthropic, r: RecordedRequest): Reply | undefined {
  const counting = r.path === '/v1/messages/count_tokens';
  if (r.method !== 'POST' || (r.path !== '/v1/messages' && !counting)) return errorReply(404, 'not_found_error', `Not found: ${r.method} ${r.path}`);
  const key = r.headers['x-api-key'];
  if (key === undefined && !r.headers.authorization) return errorReply(401, 'authentication_error', 'x-api-key header is required');
  if (key !== undefined && key !== fake.apiKey) return errorReply(401, 'authentication_error', 'invalid x-api-key');
  if (!r.headers['anthropic-version']) return errorReply(400, 'invalid_request_error', 'anthropic-version: header is required');
  if (!String(r.headers['content-type']).startsWith('application/json')) return errorReply(400, 'invalid_request_error', 'content-type must be application/json');
  const problem = counting ? countProblemWith(r.body) : problemWith(r.body);
  if (problem) return errorReply(400, 'invalid_request_error', problem);
  // A count is answered here: the number of characters of the request's JSON over 4, which a test can recompute.
  return counting ? { status: 200, json: { input_tokens: Math.ceil(JSON.stringify(r.body.messages).length / 4) } } : undefined;
}

function countProblemWith(body: any): string | undefined {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  for (const key of Object.keys(body)) if (!COUNT_TOP_LEVEL.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  return undefined;
}

function problemWith(body: any): string | undefined {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 0) return 'max_tokens: Field required';
  if (body.system !== undefined && typeof body.system !== 'string' && !(Array.isArray(body.system) && body.system.every((b: { type?: string }) => b.type === 'text'))) {
    return 'system: Input should be a valid string or a list of text blocks';
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  for (const [i, m] of body.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof m.content === 'string') continue;
    if (!Array.isArray(m.content)) return `messages.${i}.content: Input should be a valid list`;
    for (const [j, b] of m.content.entries()) {
      if (!BLOCK_TYPES.has(b.type)) return `messages.${i}.content.${j}.type: unknown block type ${b.type}`;
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text.length === 0)) return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
      if (b.type === 'tool_use' && (m.role !== 'assistant' || typeof b.input !== 'object')) return `messages.${i}.content.${j}: tool_use blocks belong to assistant turns and need an input object`;
      if (b.type === 'tool_result' && m.role !== 'user') return `messages.${i}.content.${j}: tool_result blocks belong to user turns`;
    }
  }
  // Every tool_use must be answered by a tool_result in the next turn, and every tool_result must answer one.
  for (const [i, m] of body.messages.entries()) {
    if (!Array.isArray(m.content)) continue;
    const next = body.messages[i + 1];
    const prev = body.messages[i - 1];
    for (const b of m.content) {
      if (b.type === 'tool_use' && next && !(Array.isArray(next.content) && next.content.some((x: { type: string; tool_use_id?: string }) => x.type === 'tool_result' && x.tool_use_id === b.id))) {
        return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${b.id}`;
      }
      if (b.type === 'tool_result' && !(prev && Array.isArray(prev.content) && prev.content.some((x: { type: string; id?: string }) => x.type === 'tool_use' && x.id === b.tool_use_id))) {
        return `messages.${i}.content: unexpected tool_use_id found in tool_result blocks: ${b.tool_use_id}`;
      }
    }
  }
  for (const [i, t] of (body.tools ?? []).entries()) {
    if (typeof t.name !== 'string' || t.input_schema?.type !== 'object') return `tools.${i}: name and an object input_schema are required`;
  }
  if (body.tool_choice && !['auto', 'any', 'tool', 'none'].includes(body.tool_choice.type)) return 'tool_choice.type: invalid';
  return undefined;
}

export function messageOf(over: Partial<AnthropicMessage> & { model: string }): AnthropicMessage {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    ...over,
  };
}

/**
 * The event sequence Anthropic documents for a message: message_start (empty content), a ping,
 * per block content_block_start / *_delta / content_block_stop, message_delta with the stop
 * reason and output tokens, message_stop. Text arrives in `pieces`, tool input as JSON fragments.
 */
export function eventsOf(message: AnthropicMessage, opts: { textPieces?: number } = {}): SseEvent[] {
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } };
  const events: SseEvent[] = [
    { event: 'message_start', data: { type: 'message_start', message: start } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      for (const piece of split(block.text, opts.textPieces ?? 3)) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } } });
      }
    } else {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } } });
      const json = Object.keys(block.input).length === 0 ? '' : JSON.stringify(block.input);
      for (const piece of ['', ...split(json, 3)]) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } } });
      }
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage: { output_tokens: message.usage.output_tokens } },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

function split(text: string, parts: number): string[] {
  if (text.length === 0) return [];
  const size = Math.ceil(text.length / parts);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
