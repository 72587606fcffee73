/**
 * A local LLM Guard API (llm-guard-api's `POST /analyze/prompt`) for the tests. It checks every
 * request as the real API would reject it (method, path, content type, body exactly
 * `{"prompt": string}`, bearer token when one is configured) and records what it received, so a
 * test fails when Sluice sends something the real API would not accept.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAnalysis {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  prompt: string;
}

export interface FakeLlmGuard {
  url: string;
  received: ReceivedAnalysis[];
  /** Requests the real API would have refused, with why. Tests expect none. */
  rejected: string[];
  /** Token the fake demands (`Authorization: Bearer <token>`), as llm-guard-api with auth. */
  token: string | undefined;
  /** Replaces the answer: status and raw body text. */
  override: { status: number; body: string; delayMs?: number } | undefined;
  close(): Promise<void>;
}

/** Prompts containing this are refused by the fake's "PromptInjection" scanner. */
export const INJECTION = 'ignore all previous instructions';

/** The exact answer the spec shows for "hello world". */
export const HELLO_WORLD_ANSWER = '{"sanitized_prompt": "hello world", "is_valid": true, "scanners": { "Regex": 0.0 }}';

function answerFor(prompt: string): string {
  if (prompt === 'hello world') return HELLO_WORLD_ANSWER;
  const injected = prompt.toLowerCase().includes(INJECTION);
  return JSON.stringify({ sanitized_prompt: prompt, is_valid: !injected, scanners: { PromptInjection: injected ? 1.0 : 0.0, Toxicity: 0.0 } });
}

export async function startFakeLlmGuard(): Promise<FakeLlmGuard> {
  const fake: FakeLlmGuard = { url: '', received: [], rejected: [], token: undefined, override: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const refuse = (status: number, why: string) => {
        fake.rejected.push(`${req.method} ${req.url}: ${why}`);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: why }));
      };
      if (req.method !== 'POST' || req.url !== '/analyze/prompt') return refuse(404, 'Not Found');
      if (!String(req.headers['content-type']).startsWith('application/json')) return refuse(422, 'content-type is not JSON');
      if (fake.token !== undefined && req.headers.authorization !== `Bearer ${fake.token}`) return refuse(401, 'Invalid authentication credentials');
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(422, 'body is not JSON');
      }
      const keys = body && typeof body === 'object' ? Object.keys(body) : [];
      const prompt = (body as { prompt?: unknown }).prompt;
      if (typeof prompt !== 'string' || keys.some((k) => k !== 'prompt' && k !== 'scanners_suppress')) return refuse(422, `unexpected body ${JSON.stringify(body)}`);
      fake.received.push({ method: req.method, path: req.url, headers: req.headers, prompt });
      const send = () => {
        if (res.destroyed) return;
        const { status, body: text } = fake.override ?? { status: 200, body: answerFor(prompt) };
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (fake.override?.delayMs) setTimeout(send, fake.override.delayMs);
      else send();
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
