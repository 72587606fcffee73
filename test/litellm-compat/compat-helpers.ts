/**
 * Small helpers the ported team / organization / end-user / spend tests share: LiteLLM's chat
 * call (the body its tests send), and a poll for what LiteLLM (and Sluice) write in the background
 * (spend is flushed once a second), in place of the upstream tests' sleeps.
 */
import { randomUUID } from 'node:crypto';
import type { LiteLLMProxy, ProxyAnswer } from './litellm-proxy.js';

/** The chat body of LiteLLM's tests (`tests/test_team.py::chat_completion`). */
export function chatCompletion(proxy: LiteLLMProxy, key: string, model = 'gpt-4', extra: Record<string, unknown> = {}): Promise<ProxyAnswer> {
  return proxy.request('POST', '/chat/completions', {
    key,
    body: {
      model,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: `Hello! ${randomUUID()}` },
      ],
      ...extra,
    },
  });
}

/** Polls `probe` until it returns a value other than undefined (at most `timeoutMs`). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asserts a 200 and returns the body, with the answer in the message when it is not. */
export function ok(answer: ProxyAnswer, what: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (answer.status !== 200) throw new Error(`${what} did not return a 200 status code: ${answer.status}, response: ${answer.text}`);
  return answer.body;
}
