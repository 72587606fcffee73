/**
 * Local stand-ins for the alert destinations: a Slack incoming webhook (node:http, records each
 * POST's path and `text`), a real SMTP server (smtp-server on loopback) and a webhook receiver.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';

export interface SlackPost {
  /** The webhook's path: tells which channel (URL) got it. */
  path: string;
  text: string;
}

export interface Destinations {
  slackUrl: string;
  slack: SlackPost[];
  webhookUrl: string;
  webhook: Record<string, unknown>[];
  smtpPort: number;
  mails: { to: string[]; raw: string }[];
  /** Paths of the posts Slack refused. */
  refused: string[];
  /** Slack answers 503 to this many more posts. */
  slackFailNext: number;
  close(): Promise<void>;
}

export async function startDestinations(): Promise<Destinations> {
  const d = { slack: [], webhook: [], mails: [], refused: [], slackFailNext: 0 } as unknown as Destinations;
  const slack: FakeUpstream = await startFakeUpstream((req, res) => {
    if (d.slackFailNext > 0) {
      d.slackFailNext--;
      d.refused.push(req.pathname);
      res.writeHead(503).end('slow down');
      return;
    }
    // Slack's incoming webhook: a JSON body with `text`, answered `ok` in plain text.
    if (typeof req.body?.text !== 'string') return void res.writeHead(400).end('invalid_payload');
    d.slack.push({ path: req.pathname, text: req.body.text });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  const hook = await startFakeUpstream((req, res) => {
    d.webhook.push(req.body);
    sendJson(res, 200, { ok: true });
  });
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        d.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  d.slackUrl = slack.url;
  d.webhookUrl = `${hook.url}/alerts`;
  d.smtpPort = (smtp.server.address() as AddressInfo).port;
  d.close = async () => {
    await slack.close();
    await hook.close();
    await new Promise((r) => smtp.close(() => r(undefined)));
  };
  return d;
}

export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An OpenAI-compatible upstream: `/fail` paths answer 500, `/slow` after `slowMs`, `/big` with a long reply. */
export async function startUpstream(slowMs = 700): Promise<FakeUpstream> {
  return startFakeUpstream(async (req, res) => {
    if (req.pathname.startsWith('/fail')) return sendJson(res, 500, { error: { message: 'the model is on fire', type: 'server_error' } });
    if (req.pathname.startsWith('/slow')) await pause(slowMs);
    const content = req.pathname.startsWith('/big') ? 'x'.repeat(4_000) : 'hello';
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: req.body?.model ?? 'm',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });
}

export async function chat(url: string, model: string, content = 'hi', extra: Record<string, unknown> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test-master-1234', 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}
