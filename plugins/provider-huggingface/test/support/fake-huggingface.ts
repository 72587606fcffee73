/**
 * A local Hugging Face for tests, in one server: the Hub's model API (inference provider
 * mappings), the Inference Providers router (`/<provider>/v1/chat/completions`, `/v1/chat/completions`,
 * `/hf-inference/models/<model>/pipeline/feature-extraction`) and a TGI / Inference Endpoint
 * (`/v1/chat/completions`, `/v1/completions`, feature extraction at the root). It checks the bearer
 * token, records what arrived, and answers as TGI does: OpenAI-format JSON, SSE streams ending
 * with `data: [DONE]`, errors as `{"error": "...", "error_type": "..."}`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const HF_TOKEN = 'hf_sluiceTestToken0000000000000000001';
export const DEFAULT_REPLY_TEXT = 'Hello from fake TGI.';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

export type Reply = { status?: number; json: unknown; headers?: Record<string, string> } | { sse: string[] };

export interface FakeHuggingface {
  url: string;
  requests: ReceivedRequest[];
  /** Hub model id → `inferenceProviderMapping` as the Hub answers it. */
  mappings: Map<string, unknown>;
  handler: ((req: ReceivedRequest) => Reply | undefined) | undefined;
  close(): Promise<void>;
}

export async function startFakeHuggingface(): Promise<FakeHuggingface> {
  const fake: FakeHuggingface = { url: '', requests: [], mappings: new Map(), handler: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
        fake.requests.push(received);
        const url = new URL(received.path, 'http://fake');
        if (req.method === 'GET' && url.pathname.startsWith('/api/models/')) {
          const id = decodeURIComponent(url.pathname.slice('/api/models/'.length));
          const mapping = fake.mappings.get(id);
          if (!mapping) return send(res, { status: 404, json: { error: 'Repository not found' } });
          return send(res, { json: { _id: 'x', id, inferenceProviderMapping: url.searchParams.get('expand[]') === 'inferenceProviderMapping' ? mapping : undefined } });
        }
        if (req.headers.authorization !== `Bearer ${HF_TOKEN}`) return send(res, { status: 401, json: { error: 'Invalid credentials in Authorization header' } });
        await send(res, fake.handler?.(received) ?? defaultReply(received, url.pathname));
      })();
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

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  if ('json' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of reply.sse) {
    res.write(`data: ${event}\n\n`);
    await new Promise((r) => setTimeout(r, 1));
  }
  res.end();
}

/** TGI's error answer. */
export function tgiError(status: number, error: string, errorType = 'validation'): Reply {
  return { status, json: { error, error_type: errorType } };
}

export function fakeVector(text: string): number[] {
  return [text.length / 8, (text.charCodeAt(0) || 0) / 256, 0.5, -0.25];
}

export function chatStream(pieces: string[], model: string, usage: boolean): string[] {
  const base = { object: 'chat.completion.chunk', id: '', created: 1700000000, model, system_fingerprint: '3.0.0-native' };
  const out = pieces.map((content, i) => JSON.stringify({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { role: 'assistant', content }, logprobs: null, finish_reason: null }], usage: null }));
  out.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'stop' }], usage: null }));
  if (usage) out.push(JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 8, completion_tokens: pieces.length, total_tokens: 8 + pieces.length } }));
  out.push('[DONE]');
  return out;
}

function defaultReply(req: ReceivedRequest, path: string): Reply {
  const model = typeof req.body.model === 'string' ? req.body.model : 'tgi';
  if (path.endsWith('/chat/completions')) {
    if (req.body.stream === true) return { sse: chatStream(['Hello', ' from', ' fake', ' TGI.'], model, req.body.stream_options?.include_usage === true) };
    return {
      json: {
        object: 'chat.completion',
        id: '',
        created: 1700000000,
        model,
        system_fingerprint: '3.0.0-native',
        choices: [{ index: 0, message: { role: 'assistant', content: DEFAULT_REPLY_TEXT }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 },
      },
    };
  }
  if (path.endsWith('/completions')) {
    return {
      json: {
        object: 'text_completion',
        id: '',
        created: 1700000000,
        model,
        system_fingerprint: '3.0.0-native',
        choices: [{ index: 0, text: ' and more text.', logprobs: null, finish_reason: 'length' }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      },
    };
  }
  // Feature extraction: at an endpoint's root or the router's pipeline route.
  const inputs = req.body.inputs;
  if (typeof inputs === 'string') return { json: fakeVector(inputs) };
  if (Array.isArray(inputs)) return { json: (inputs as string[]).map(fakeVector) };
  return tgiError(422, 'Failed to deserialize the JSON body into the target type: missing field `inputs`');
}
