/**
 * A local stand-in for OpenAI's chat completions API: checks the bearer key, refuses top-level
 * arguments the real API does not know (`Unrecognized request argument supplied: top_k`) with
 * OpenAI's error shape, and answers a scripted reply (text, reasoning, tool calls) as a
 * completion or as chunks, the usage chunk included when `stream_options.include_usage` asks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedChat {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface ScriptedReply {
  text?: string | null;
  reasoning?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  finishReason?: string;
  usage?: Record<string, unknown>;
  /** Streams only: end the connection after this many chunks (a failing upstream). */
  dieAfterChunks?: number;
  /** Streams only: send an `{"error": …}` chunk after this many chunks. */
  errorAfterChunks?: number;
}

export interface FakeOpenAIChat {
  url: string;
  requests: RecordedChat[];
  reply: (body: any) => ScriptedReply;
  close(): Promise<void>;
}

const KNOWN = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream', 'stream_options', 'tools', 'tool_choice',
  'parallel_tool_calls', 'user', 'response_format', 'reasoning_effort', 'n', 'seed', 'presence_penalty', 'frequency_penalty', 'logprobs', 'web_search_options', 'metadata',
]);

export async function startFakeOpenAIChat(apiKey: string): Promise<FakeOpenAIChat> {
  const fake: FakeOpenAIChat = { url: '', requests: [], reply: () => ({ text: 'Hello from the fake OpenAI.' }), close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return fail(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      }
      fake.requests.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url !== '/v1/chat/completions') return fail(res, 404, `Invalid URL (POST ${req.url})`, 'invalid_request_error');
      if (req.headers.authorization !== `Bearer ${apiKey}`) return fail(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      const unknown = Object.keys(body).find((k) => !KNOWN.has(k));
      if (unknown) return fail(res, 400, `Unrecognized request argument supplied: ${unknown}`, 'invalid_request_error');
      for (const m of body.messages ?? []) {
        for (const part of Array.isArray(m.content) ? m.content : []) {
          if (part.cache_control !== undefined) return fail(res, 400, "Invalid 'messages': unknown parameter 'cache_control'.", 'invalid_request_error');
        }
      }
      const script = fake.reply(body);
      if (body.stream) void stream(res, body, script);
      else json(res, 200, completion(body, script));
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

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  json(res, status, { error: { message, type, param: null, code } });
}

const usageOf = (s: ScriptedReply) => s.usage ?? { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 };
const finishOf = (s: ScriptedReply) => s.finishReason ?? (s.toolCalls?.length ? 'tool_calls' : 'stop');

function completion(body: any, s: ScriptedReply) {
  const message: Record<string, unknown> = { role: 'assistant', content: s.text === undefined ? null : s.text, refusal: null };
  if (s.reasoning) message.reasoning_content = s.reasoning;
  if (s.toolCalls?.length) message.tool_calls = s.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id: 'chatcmpl-fake0001',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message, finish_reason: finishOf(s), logprobs: null }],
    usage: usageOf(s),
  };
}

/** Chunks as OpenAI sends them: role first, text in pieces, each tool call's name then its arguments in two pieces. */
async function stream(res: ServerResponse, body: any, s: ScriptedReply): Promise<void> {
  const base = { id: 'chatcmpl-fake0002', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
  const chunk = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '' })];
  if (s.reasoning) chunks.push(chunk({ reasoning_content: s.reasoning }));
  const text = s.text ?? '';
  for (let i = 0; i < text.length; i += 5) chunks.push(chunk({ content: text.slice(i, i + 5) }));
  (s.toolCalls ?? []).forEach((c, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    const half = Math.ceil(c.arguments.length / 2);
    for (const piece of [c.arguments.slice(0, half), c.arguments.slice(half)]) if (piece) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, finishOf(s)));
  if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: usageOf(s) });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const [i, c] of chunks.entries()) {
    if (s.dieAfterChunks !== undefined && i === s.dieAfterChunks) {
      res.destroy();
      return;
    }
    if (s.errorAfterChunks !== undefined && i === s.errorAfterChunks) {
      res.end(`data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`);
      return;
    }
    res.write(`data: ${JSON.stringify(c)}\n\n`);
    await new Promise((r) => setImmediate(r));
  }
  res.end('data: [DONE]\n\n');
}
