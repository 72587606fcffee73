/**
 * A local LlamaGuard served the way vLLM or TGI serve it: an OpenAI-compatible
 * `POST /v1/chat/completions`. It checks each request as such a server would (path, bearer key,
 * model name, a messages array of role/content strings, no streaming), records it, and answers
 * like LlamaGuard: `safe`, or `unsafe` and the violated category on a second line.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCheck {
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; [k: string]: unknown };
}

export interface FakeLlamaGuard {
  /** Base URL to put in a deployment's api_base (`…/v1`). */
  url: string;
  received: ReceivedCheck[];
  rejected: string[];
  /** Replaces the verdict text, or the whole answer (status + raw body). */
  reply: string | undefined;
  failure: { status: number; body: string } | undefined;
  close(): Promise<void>;
}

export const API_KEY = 'sk-llamaguard-deployment';
export const MODEL = 'meta-llama/LlamaGuard-7b';
/** Words the fake LlamaGuard finds unsafe in the conversation it is shown. */
const UNSAFE = [/\bbomb\b/i, /\bkill\b/i];

/** The part LlamaGuard judges: the conversation of a full prompt, or the message itself. */
function conversationOf(content: string): string {
  const match = /<BEGIN CONVERSATION>([\s\S]*)<END CONVERSATION>/.exec(content);
  return match ? match[1]! : content;
}

export async function startFakeLlamaGuard(): Promise<FakeLlamaGuard> {
  const fake: FakeLlamaGuard = { url: '', received: [], rejected: [], reply: undefined, failure: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const refuse = (status: number, why: string) => {
        fake.rejected.push(`${req.method} ${req.url}: ${why}`);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: why, type: 'invalid_request_error' } }));
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return refuse(404, 'Not Found');
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return refuse(401, 'bad api key');
      let body: ReceivedCheck['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(400, 'body is not JSON');
      }
      if (body.model !== MODEL) return refuse(404, `model ${body.model} does not exist`);
      if (body.stream === true) return refuse(400, 'streaming was not expected');
      const valid = Array.isArray(body.messages) && body.messages.length > 0 && body.messages.every((m) => ['user', 'assistant'].includes(m.role) && typeof m.content === 'string');
      if (!valid) return refuse(400, `messages must be user/assistant turns with string content: ${JSON.stringify(body.messages)}`);
      fake.received.push({ headers: req.headers, body });
      if (fake.failure) {
        res.writeHead(fake.failure.status, { 'content-type': 'application/json' });
        res.end(fake.failure.body);
        return;
      }
      const judged = conversationOf(body.messages.at(-1)!.content);
      const verdict = fake.reply ?? (UNSAFE.some((w) => w.test(judged)) ? 'unsafe\nO3' : 'safe');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-guard',
          object: 'chat.completion',
          created: 1,
          model: MODEL,
          choices: [{ index: 0, message: { role: 'assistant', content: verdict }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 3, total_tokens: 103 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
