/**
 * One Langfuse project's ingestion endpoint: `POST {host}/api/public/ingestion` with basic auth
 * (public key : secret key) and `{batch, metadata}`, as Langfuse's own SDKs send it. Langfuse
 * answers 207 with per-event `successes` and `errors`: events it refused as invalid (4xx) are
 * reported and not sent again (they never would be accepted); an event that failed on Langfuse's
 * side (5xx, 429) fails the send, so LogDelivery retries the batch, and the events Langfuse had
 * already accepted are left out of the retry (remembered by their stable ids).
 */
import type { DeliveryBatch } from '@sluice/plugin-sdk/node';
import type { HttpClient, Logger } from '@sluice/plugin-sdk';
import type { IngestionEvent } from './langfuse-events.js';

export interface LangfuseCredentials {
  host: string;
  publicKey: string;
  secretKey: string;
}

export interface IngestionClientOptions {
  http: HttpClient;
  log: Logger;
  /** Scrubs known secrets from text before it is logged. */
  scrub: (text: string) => string;
  /** LANGFUSE_DEBUG: log every batch and its answer. */
  debug: boolean;
  /** Counts events Langfuse refused (validation errors), which are not retried. */
  onRejected?: (count: number) => void;
  sdkVersion: string;
}

interface IngestionError {
  id?: unknown;
  status?: unknown;
  message?: unknown;
  error?: unknown;
}

/** `langfuse.example.com` → `http://langfuse.example.com` (LiteLLM assumes a private network); no trailing slash. */
export function normalizeHost(host: string): string {
  const h = host.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(h) ? h : `http://${h}`;
}

/** Status codes worth sending again: Langfuse's own faults, rate limits, auth (keys may be fixed), timeouts. */
const retryable = (status: number) => status >= 500 || status === 429 || status === 408 || status === 401 || status === 403;

export function ingestionSender(creds: LangfuseCredentials, opts: IngestionClientOptions): (batch: DeliveryBatch<IngestionEvent>) => Promise<void> {
  const url = `${creds.host}/api/public/ingestion`;
  const headers = {
    'content-type': 'application/json',
    authorization: `Basic ${Buffer.from(`${creds.publicKey}:${creds.secretKey}`).toString('base64')}`,
    'x-langfuse-sdk-name': 'sluice',
    'x-langfuse-sdk-version': opts.sdkVersion,
    'x-langfuse-sdk-integration': 'litellm',
    'x-langfuse-public-key': creds.publicKey,
  };
  const meta = (size: number) =>
    JSON.stringify({ batch_size: size, sdk_integration: 'litellm', sdk_name: 'sluice', sdk_version: opts.sdkVersion, public_key: creds.publicKey });

  // Ids Langfuse accepted in a batch that failed in part: left out when that batch is retried.
  const accepted = new Set<string>();
  return async (batch) => {
    let texts = batch.texts;
    if (accepted.size > 0) {
      const items = batch.items();
      texts = texts.filter((_, i) => !accepted.has(items[i]!.id));
      for (const item of items) accepted.delete(item.id);
      if (texts.length === 0) return;
    }
    // The items are already JSON: join them rather than parse and serialise again.
    const body = `{"batch":[${texts.join(',')}],"metadata":${meta(texts.length)}}`;
    const res = await opts.http.request(url, { method: 'POST', headers, body, signal: batch.signal });
    const text = await res.body.text();
    if (opts.debug) opts.log.info({ url, events: texts.length, status: res.status, answer: opts.scrub(text.slice(0, 2000)) }, 'langfuse: batch sent');
    if (res.status === 207) return partial(text, texts.length, accepted, opts);
    if (res.status >= 200 && res.status < 300) return;
    const detail = opts.scrub(text.slice(0, 500));
    if (retryable(res.status)) throw new Error(`Langfuse answered ${res.status} at ${url}: ${detail}`);
    // A request Langfuse refuses as a whole (400, 413…) would be refused again: report it and move on.
    opts.onRejected?.(texts.length);
    opts.log.error({ url, status: res.status, events: texts.length, answer: detail }, 'langfuse: the ingestion API refused the batch; its events are dropped');
  };
}

function partial(text: string, sent: number, accepted: Set<string>, opts: IngestionClientOptions): void {
  let answer: { errors?: unknown; successes?: unknown };
  try {
    answer = JSON.parse(text) as { errors?: unknown; successes?: unknown };
  } catch {
    opts.log.warn({ answer: opts.scrub(text.slice(0, 200)) }, 'langfuse: a 207 answer that is not JSON; the batch is taken as delivered');
    return;
  }
  const errors = (Array.isArray(answer?.errors) ? answer.errors : []) as IngestionError[];
  if (errors.length === 0) return;
  const again = errors.filter((e) => typeof e.status !== 'number' || retryable(e.status));
  if (again.length > 0) {
    // Bounded: past it a retry may resend accepted events, which Langfuse upserts by id.
    if (accepted.size > 10_000) accepted.clear();
    for (const s of Array.isArray(answer.successes) ? (answer.successes as Array<{ id?: unknown }>) : []) if (typeof s?.id === 'string') accepted.add(s.id);
    throw new Error(`Langfuse failed ${again.length} of ${sent} events (status ${String(again[0]!.status)}): ${opts.scrub(String(again[0]!.message ?? again[0]!.error ?? ''))}`);
  }
  opts.onRejected?.(errors.length);
  opts.log.warn(
    { refused: errors.length, events: sent, first: { id: errors[0]!.id, status: errors[0]!.status, message: opts.scrub(String(errors[0]!.message ?? '')), error: opts.scrub(JSON.stringify(errors[0]!.error ?? null).slice(0, 500)) } },
    'langfuse: the ingestion API refused some events (207); they are dropped, the rest were accepted',
  );
}
