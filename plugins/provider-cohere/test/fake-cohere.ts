/**
 * A local stand-in for Cohere's API (v2 chat, v2/v1 embed, v2/v1 rerank). It records every request,
 * refuses what the real API refuses (a missing or wrong bearer token, unknown body fields, message
 * shapes v2 does not take) with Cohere's `{"message": …}` error shape, and answers with the
 * documented response and stream event shapes. The tests first drive it with the official
 * `cohere-ai` SDK, so its answers are known to parse as Cohere's.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ChatAnswer {
  text?: string;
  toolPlan?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  finishReason?: string;
  usage?: { input: number; output: number };
}

export type Reply = { status: number; json: unknown; headers?: Record<string, string> } | { answer: ChatAnswer } | { rawStream: string };

export interface FakeCohere {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next chat calls; null: the default answer. */
  chat: ((req: RecordedRequest) => Reply) | null;
  /** Forces an answer for any route (errors). */
  override: ((req: RecordedRequest) => Reply | undefined) | null;
  close(): Promise<void>;
}

const CHAT_FIELDS = new Set(['model', 'messages', 'tools', 'strict_tools', 'documents', 'citation_options', 'response_format', 'safety_mode', 'max_tokens', 'stop_sequences', 'temperature', 'seed', 'frequency_penalty', 'presence_penalty', 'k', 'p', 'return_prompt', 'logprobs', 'tool_choice', 'thinking', 'priority', 'stream']);
const EMBED_FIELDS = new Set(['model', 'texts', 'images', 'inputs', 'input_type', 'max_tokens', 'output_dimension', 'embedding_types', 'truncate', 'priority']);
const RERANK_V2_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'max_tokens_per_doc', 'priority']);
const RERANK_V1_FIELDS = new Set(['model', 'query', 'documents', 'top_n', 'rank_fields', 'return_documents', 'max_chunks_per_doc']);
const MESSAGE_FIELDS: Record<string, Set<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'tool_plan', 'citations']),
  tool: new Set(['role', 'tool_call_id', 'content']),
};

export const DEFAULT_ANSWER: ChatAnswer = { text: 'Hello from the fake Cohere.', usage: { input: 12, output: 6 } };

export function chatResponseOf(a: ChatAnswer, id = 'c14c80c3-18eb-4519-9460-6c92edd8cfb4'): object {
  const message: Record<string, unknown> = { role: 'assistant' };
  if (a.text !== undefined) message.content = [{ type: 'text', text: a.text }];
  if (a.toolCalls) {
    message.tool_plan = a.toolPlan ?? 'I will call the tool.';
    message.tool_calls = a.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  const usage = a.usage ?? DEFAULT_ANSWER.usage!;
  return {
    id,
    finish_reason: a.finishReason ?? (a.toolCalls ? 'TOOL_CALL' : 'COMPLETE'),
    message,
    usage: { billed_units: { input_tokens: usage.input, output_tokens: usage.output }, tokens: { input_tokens: usage.input + 200, output_tokens: usage.output } },
  };
}

/** The answer as Cohere's v2 stream: `event: <type>` + `data: {"type": <type>, …}`. */
export function chatStreamOf(a: ChatAnswer, id = 'c14c80c3-18eb-4519-9460-6c92edd8cfb4'): string {
  const events: object[] = [{ type: 'message-start', id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }];
  if (a.text !== undefined) {
    events.push({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
    for (const piece of a.text.match(/\S+\s*/g) ?? []) events.push({ type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } });
    events.push({ type: 'content-end', index: 0 });
  }
  if (a.toolCalls) {
    events.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: a.toolPlan ?? 'I will call the tool.' } } });
    a.toolCalls.forEach((c, index) => {
      events.push({ type: 'tool-call-start', index, delta: { message: { tool_calls: { id: c.id, type: 'function', function: { name: c.name, arguments: '' } } } } });
      const half = Math.ceil(c.arguments.length / 2);
      for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) events.push({ type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: part } } } } });
      events.push({ type: 'tool-call-end', index });
    });
  }
  const usage = a.usage ?? DEFAULT_ANSWER.usage!;
  events.push({
    type: 'message-end',
    delta: { finish_reason: a.finishReason ?? (a.toolCalls ? 'TOOL_CALL' : 'COMPLETE'), usage: { billed_units: { input_tokens: usage.input, output_tokens: usage.output }, tokens: { input_tokens: usage.input + 200, output_tokens: usage.output } } },
  });
  return events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

const V1_CHAT_FIELDS = new Set(['message', 'model', 'stream', 'preamble', 'chat_history', 'conversation_id', 'prompt_truncation', 'connectors', 'search_queries_only', 'documents', 'citation_quality', 'temperature', 'max_tokens', 'max_input_tokens', 'k', 'p', 'seed', 'stop_sequences', 'frequency_penalty', 'presence_penalty', 'raw_prompting', 'return_prompt', 'tools', 'tool_results', 'force_single_step', 'response_format', 'safety_mode']);

/** The answer as v1's `/v1/chat` response. */
export function v1ResponseOf(a: ChatAnswer): Record<string, unknown> {
  const usage = a.usage ?? DEFAULT_ANSWER.usage!;
  const out: Record<string, unknown> = {
    response_id: 'resp-v1-0001',
    text: a.text ?? '',
    generation_id: 'gen-v1-0001',
    finish_reason: a.finishReason ?? 'COMPLETE',
    meta: { api_version: { version: '1' }, billed_units: { input_tokens: usage.input, output_tokens: usage.output } },
  };
  if (a.toolCalls) out.tool_calls = a.toolCalls.map((c) => ({ name: c.name, parameters: JSON.parse(c.arguments) }));
  return out;
}

/** The answer as v1's stream: one JSON event per line. */
export function v1StreamOf(a: ChatAnswer): string {
  const events: object[] = [{ is_finished: false, event_type: 'stream-start', generation_id: 'gen-v1-0001' }];
  for (const piece of a.text?.match(/\S+\s*/g) ?? []) events.push({ is_finished: false, event_type: 'text-generation', text: piece });
  const response = v1ResponseOf(a);
  if (a.toolCalls) events.push({ is_finished: false, event_type: 'tool-calls-generation', tool_calls: response.tool_calls });
  events.push({ is_finished: true, event_type: 'stream-end', finish_reason: response.finish_reason, response });
  return events.map((e) => JSON.stringify(e) + '\n').join('');
}

function checkV1Chat(body: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(body)) if (!V1_CHAT_FIELDS.has(k)) return `invalid request: unknown field '${k}'`;
  if (typeof body.message !== 'string') return 'invalid request: message must be a string';
  for (const [i, m] of ((body.chat_history as Record<string, unknown>[] | undefined) ?? []).entries()) {
    if (!['SYSTEM', 'USER', 'CHATBOT', 'TOOL'].includes(String(m.role))) return `invalid request: chat_history[${i}].role must be one of SYSTEM, USER, CHATBOT, TOOL`;
  }
  for (const t of (body.tools as Record<string, unknown>[] | undefined) ?? []) {
    if (typeof t.name !== 'string' || 'function' in t || 'type' in t) return 'invalid request: v1 tools are {name, description, parameter_definitions}';
  }
  return undefined;
}

function checkChat(body: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(body)) if (!CHAT_FIELDS.has(k)) return `invalid request: unknown field '${k}'`;
  if (typeof body.model !== 'string') return 'invalid request: model must be a string';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'invalid request: messages must be a non-empty list';
  for (const [i, m] of (body.messages as Record<string, unknown>[]).entries()) {
    const allowed = MESSAGE_FIELDS[String(m.role)];
    if (!allowed) return `invalid request: messages[${i}].role '${String(m.role)}' is not one of system, user, assistant, tool`;
    for (const k of Object.keys(m)) if (!allowed.has(k)) return `invalid request: messages[${i}] has unknown field '${k}'`;
    if (m.content === null) return `invalid request: messages[${i}].content cannot be null`;
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return `invalid request: messages[${i}].tool_call_id is required`;
  }
  if (body.tools !== undefined) {
    for (const t of body.tools as Record<string, unknown>[]) {
      const fn = t.function as Record<string, unknown> | undefined;
      if (t.type !== 'function' || !fn || typeof fn.name !== 'string') return 'invalid request: tools must be function tools';
      for (const k of Object.keys(fn)) if (!['name', 'description', 'parameters'].includes(k)) return `invalid request: unknown tool function field '${k}'`;
    }
  }
  if (body.tool_choice !== undefined && !['REQUIRED', 'NONE'].includes(String(body.tool_choice))) return "invalid request: tool_choice must be one of 'REQUIRED', 'NONE'";
  return undefined;
}

export async function startFakeCohere(key: string): Promise<FakeCohere> {
  const requests: RecordedRequest[] = [];
  const fake: FakeCohere = { url: '', requests, chat: null, override: null, close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(400, { message: 'invalid request: body is not JSON' });
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
    requests.push(recorded);
    function send(status: number, json: unknown, headers: Record<string, string> = {}) {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    }
    function reply(r: Reply, stream: boolean) {
      if ('rawStream' in r) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(r.rawStream);
      } else if ('answer' in r) {
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(chatStreamOf(r.answer));
        } else send(200, chatResponseOf(r.answer));
      } else send(r.status, r.json, r.headers);
    }
    if (req.headers.authorization !== `Bearer ${key}`) return send(401, { id: 'e1', message: 'invalid api token' });
    const forced = fake.override?.(recorded);
    if (forced) return reply(forced, body.stream === true);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v2/chat') {
      const problem = checkChat(body);
      if (problem) return send(400, { id: 'e2', message: problem });
      return reply(fake.chat?.(recorded) ?? { answer: DEFAULT_ANSWER }, body.stream === true);
    }
    if (req.method === 'POST' && path === '/v1/chat') {
      const problem = checkV1Chat(body);
      if (problem) return send(400, { message: problem });
      const r = fake.chat?.(recorded) ?? { answer: DEFAULT_ANSWER };
      if (!('answer' in r)) return reply(r, false);
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'application/stream+json' });
        return res.end(v1StreamOf(r.answer));
      }
      return send(200, v1ResponseOf(r.answer));
    }
    if (req.method === 'POST' && (path === '/v2/embed' || path === '/v1/embed')) {
      for (const k of Object.keys(body)) if (!EMBED_FIELDS.has(k)) return send(400, { message: `invalid request: unknown field '${k}'` });
      if (path === '/v2/embed' && typeof body.input_type !== 'string') return send(400, { message: 'invalid request: input_type is required for embed-v3 models' });
      const inputs = (body.texts ?? body.images ?? []) as string[];
      const types = (body.embedding_types as string[] | undefined) ?? ['float'];
      const embeddings: Record<string, unknown> = {};
      for (const t of types) embeddings[t] = inputs.map((_, i) => (t === 'base64' ? 'AACAPwAAAEA=' : [0.25 + i, -0.5, 1.5]));
      const tokens = inputs.reduce((n, s) => n + s.split(/\s+/).length, 0);
      return send(200, { id: 'emb-1', embeddings, texts: body.texts ?? [], meta: { api_version: { version: path === '/v2/embed' ? '2' : '1' }, billed_units: { input_tokens: tokens } }, response_type: 'embeddings_by_type' });
    }
    if (req.method === 'POST' && (path === '/v2/rerank' || path === '/v1/rerank')) {
      const allowed = path === '/v2/rerank' ? RERANK_V2_FIELDS : RERANK_V1_FIELDS;
      for (const k of Object.keys(body)) if (!allowed.has(k)) return send(400, { message: `invalid request: unknown field '${k}'` });
      const docs = body.documents as unknown[];
      if (path === '/v2/rerank' && docs.some((d) => typeof d !== 'string')) return send(400, { message: 'invalid request: documents must be strings' });
      const query = String(body.query).toLowerCase();
      const text = (d: unknown) => (typeof d === 'string' ? d : JSON.stringify(d)).toLowerCase();
      // Relevance: how many query words the document holds, ties by position.
      const scored = docs.map((d, index) => ({ index, relevance_score: query.split(/\s+/).filter((w) => text(d).includes(w)).length / 10 + (docs.length - index) / 1000 }));
      scored.sort((a, b) => b.relevance_score - a.relevance_score);
      const top = scored.slice(0, typeof body.top_n === 'number' ? body.top_n : docs.length);
      const results = top.map((r) => (path === '/v1/rerank' && body.return_documents ? { ...r, document: typeof docs[r.index] === 'string' ? { text: docs[r.index] } : docs[r.index] } : r));
      return send(200, { id: 'rerank-1', results, meta: { api_version: { version: path === '/v2/rerank' ? '2' : '1' }, billed_units: { search_units: 1 } } });
    }
    return send(404, { message: `no route for ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
