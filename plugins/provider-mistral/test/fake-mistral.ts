/**
 * A local stand-in for Mistral's API (`/v1/chat/completions`, `/v1/embeddings`). It records every
 * request and refuses what the real API refuses — a wrong bearer key (401), unknown or null fields
 * (422 `extra_forbidden`, Mistral's validation answer), `name` outside tool messages, an empty
 * assistant turn, tool_choice values other than auto/none/any/required — and answers in Mistral's
 * shapes (OpenAI's, with usage in the last stream chunk and `data: [DONE]`). The tests first drive
 * it with the official `@mistralai/mistralai` SDK.
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
  /** A string, or Mistral's content list of a reasoning model. */
  content?: string | object[];
  toolCalls?: { id: string; name: string; arguments: string }[];
  finishReason?: string;
}

export type Reply = { status: number; json: unknown; headers?: Record<string, string> } | { answer: ChatAnswer };

export interface FakeMistral {
  url: string;
  requests: RecordedRequest[];
  chat: ((req: RecordedRequest) => Reply) | null;
  close(): Promise<void>;
}

const CHAT_FIELDS = new Set(['model', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'metadata', 'messages', 'response_format', 'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls', 'reasoning_effort', 'prompt_mode', 'guardrails', 'prompt_cache_key', 'service_tier', 'safe_prompt']);
const MESSAGE_FIELDS: Record<string, string[]> = {
  system: ['role', 'content'],
  user: ['role', 'content'],
  assistant: ['role', 'content', 'tool_calls', 'prefix'],
  tool: ['role', 'content', 'tool_call_id', 'name'],
};
const EMBED_FIELDS = new Set(['model', 'input', 'metadata', 'output_dimension', 'output_dtype', 'encoding_format']);
const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

const extraForbidden = (loc: (string | number)[], input: unknown) => ({
  object: 'error',
  message: { detail: [{ type: 'extra_forbidden', loc: ['body', ...loc], msg: 'Extra inputs are not permitted', input }] },
  type: 'invalid_request_error',
  param: null,
  code: null,
});
const invalid = (loc: (string | number)[], msg: string) => ({ object: 'error', message: { detail: [{ type: 'value_error', loc: ['body', ...loc], msg }] }, type: 'invalid_request_error', param: null, code: null });

function checkChat(body: Record<string, unknown>): object | undefined {
  for (const [k, v] of Object.entries(body)) {
    if (!CHAT_FIELDS.has(k)) return extraForbidden([k], v);
  }
  const messages = body.messages as Record<string, unknown>[];
  for (const [i, m] of messages.entries()) {
    const allowed = MESSAGE_FIELDS[String(m.role)];
    if (!allowed) return invalid(['messages', i, 'role'], `Input should be 'system', 'user', 'assistant' or 'tool'`);
    for (const [k, v] of Object.entries(m)) {
      if (!allowed.includes(k)) return extraForbidden(['messages', i, k], v);
      if (v === null) return invalid(['messages', i, k], 'Input should not be null');
    }
    if (m.role === 'assistant' && (m.content === undefined || m.content === '') && !m.tool_calls) return invalid(['messages', i], 'Assistant message must have either content or tool_calls, but not none.');
  }
  const choice = body.tool_choice;
  if (choice !== undefined && typeof choice === 'string' && !['auto', 'none', 'any', 'required'].includes(choice)) return invalid(['tool_choice'], "Input should be 'auto', 'none', 'any' or 'required'");
  for (const t of (body.tools as Record<string, Record<string, unknown>>[] | undefined) ?? []) {
    if ('strict' in (t.function ?? {})) return extraForbidden(['tools', 0, 'function', 'strict'], true);
  }
  return undefined;
}

function completionOf(model: string, a: ChatAnswer): object {
  const message: Record<string, unknown> = { role: 'assistant', content: a.content ?? '', tool_calls: null, prefix: false };
  if (a.toolCalls) message.tool_calls = a.toolCalls.map((c, index) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments }, index }));
  return { id: 'cmpl-e5cc70bb28c444948073e77776eb30ef', object: 'chat.completion', model, usage: USAGE, created: 1702256327, choices: [{ index: 0, message, finish_reason: a.finishReason ?? (a.toolCalls ? 'tool_calls' : 'stop') }] };
}

function streamOf(model: string, a: ChatAnswer): string {
  const base = { id: 'cmpl-stream-0001', object: 'chat.completion.chunk', created: 1702256327, model };
  const chunks: object[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
  if (typeof a.content === 'string') for (const piece of a.content.match(/\S+\s*/g) ?? []) chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
  else if (Array.isArray(a.content)) chunks.push({ ...base, choices: [{ index: 0, delta: { content: a.content }, finish_reason: null }] });
  if (a.toolCalls) chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: a.toolCalls.map((c, index) => ({ id: c.id, function: { name: c.name, arguments: c.arguments }, index })) }, finish_reason: null }] });
  chunks.push({ ...base, choices: [{ index: 0, delta: { content: '' }, finish_reason: a.finishReason ?? (a.toolCalls ? 'tool_calls' : 'stop') }], usage: USAGE });
  return chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
}

export async function startFakeMistral(key: string): Promise<FakeMistral> {
  const requests: RecordedRequest[] = [];
  const fake: FakeMistral = { url: '', requests, chat: null, close: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    let body: Record<string, unknown>;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(400, { object: 'error', message: 'Invalid JSON body', type: 'invalid_request_error', param: null, code: null });
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
    requests.push(recorded);
    if (req.headers.authorization !== `Bearer ${key}`) return send(401, { message: 'Unauthorized', request_id: 'req-1' });
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      const problem = checkChat(body);
      if (problem) return send(422, problem);
      const r = fake.chat?.(recorded) ?? { answer: { content: 'Bonjour from the fake Mistral.' } };
      if ('status' in r) return send(r.status, r.json, r.headers);
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return res.end(streamOf(String(body.model), r.answer));
      }
      return send(200, completionOf(String(body.model), r.answer));
    }
    if (req.method === 'POST' && req.url === '/v1/embeddings') {
      for (const [k, v] of Object.entries(body)) if (!EMBED_FIELDS.has(k)) return send(422, extraForbidden([k], v));
      const inputs = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
      const dims = typeof body.output_dimension === 'number' ? body.output_dimension : 3;
      const data = inputs.map((_, index) => ({ object: 'embedding', embedding: Array.from({ length: dims }, (_, j) => index + j / 4), index }));
      return send(200, { id: 'embd-1', object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2, completion_tokens: 0 } });
    }
    return send(404, { object: 'error', message: 'Not found', type: 'invalid_request_error', param: null, code: null });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
