/**
 * Recall and false positives on the corpus, measured where it matters: what the provider receives
 * through the gateway. Every corpus entry is one message of a chat request, so each is scanned on
 * its own, as a conversation's messages are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { lookAlikes, secretCases } from './secret-corpus.js';

const secrets = secretCases();
const looksLikeSecrets = lookAlikes();

let upstream: MockOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway(proxyConfig(upstream.url, { litellm_settings: { callbacks: ['hide_secrets'] } } as never));
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** Sends the texts as the messages of one chat request; returns what the provider got and the warnings logged. */
async function throughGateway(texts: string[]): Promise<{ received: string[]; warnings: string[]; logs: string }> {
  const firstLog = gw.logs.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: texts.map((content) => ({ role: 'user', content })) }),
  });
  expect(res.status).toBe(200);
  const messages = upstream.requests.at(-1)!.body.messages as { content: string }[];
  const lines = gw.logs.slice(firstLog);
  const warnings = lines
    .map((l) => JSON.parse(l) as { level: number; msg: string; plugin?: string })
    .filter((l) => l.plugin === 'guardrail-hide-secrets' && l.level === 40)
    .map((l) => l.msg);
  return { received: messages.map((m) => m.content), warnings, logs: lines.join('\n') };
}

describe('redaction corpus', () => {
  it(`redacts all ${secrets.length} secrets and leaves all ${looksLikeSecrets.length} look-alikes untouched`, async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(30);
    expect(looksLikeSecrets.length).toBeGreaterThanOrEqual(30);

    const positive = await throughGateway(secrets.map((c) => c.text));
    const negative = await throughGateway(looksLikeSecrets.map((c) => c.text));

    const missed = secrets.filter((c, i) => positive.received[i]!.includes(c.secret)).map((c) => c.name);
    const inexact = secrets.filter((c, i) => positive.received[i] !== c.expected).map((c) => c.name);
    const falsePositives = looksLikeSecrets.filter((c, i) => negative.received[i] !== c.text).map((c) => c.name);
    const summary = {
      suite: 'guardrail-hide-secrets corpus',
      secrets: secrets.length,
      redacted: secrets.length - missed.length,
      recall: (secrets.length - missed.length) / secrets.length,
      exact: secrets.length - inexact.length,
      look_alikes: looksLikeSecrets.length,
      false_positives: falsePositives.length,
      false_positive_rate: falsePositives.length / looksLikeSecrets.length,
    };
    console.log(JSON.stringify(summary));

    expect({ missed, falsePositives }).toEqual({ missed: [], falsePositives: [] });
    expect(summary.recall).toBe(1);
    expect(summary.false_positive_rate).toBe(0);
    // Exactly the value is replaced: the sentence around it reaches the provider as written.
    expect(positive.received).toEqual(secrets.map((c) => c.expected));
    expect(negative.received).toEqual(looksLikeSecrets.map((c) => c.text));

    // One warning per message, naming the detector, and no secret value anywhere in the logs.
    expect(positive.warnings).toEqual(secrets.map((c) => `Detected and redacted secrets in message: ['${c.type}']`));
    expect(negative.warnings).toEqual([]);
    for (const c of secrets) expect(positive.logs.includes(c.secret), c.name).toBe(false);
  });
});
