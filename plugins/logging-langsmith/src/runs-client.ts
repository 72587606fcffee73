/**
 * One LangSmith destination's batch endpoint: `POST {base}/runs/batch` with `x-api-key` and
 * `{"post": [runs]}`, as LiteLLM's LangsmithLogger sends it. Runs carry their ids, so a batch sent
 * twice (an acknowledgement lost) is the same runs again. LangSmith validates a batch as a whole:
 * when it refuses one (400, 422…) each run is sent alone, so one bad run (a caller's run_id that is
 * not a UUID) is reported and dropped without taking the others with it. Anything else (5xx, 429,
 * auth, timeouts) is retried by LogDelivery.
 */
import type { DeliveryBatch } from '@sluice/plugin-sdk/node';
import type { HttpClient, Logger } from '@sluice/plugin-sdk';
import type { LangsmithRun } from './langsmith-run.js';

export interface LangsmithCredentials {
  baseUrl: string;
  apiKey: string;
  tenantId?: string;
}

export interface RunsClientOptions {
  http: HttpClient;
  log: Logger;
  scrub: (text: string) => string;
  onRejected?: (count: number) => void;
}

const retryable = (status: number) => status >= 500 || status === 429 || status === 408 || status === 401 || status === 403;

export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export function runsSender(creds: LangsmithCredentials, opts: RunsClientOptions): (batch: DeliveryBatch<LangsmithRun>) => Promise<void> {
  const url = `${creds.baseUrl}/runs/batch`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': creds.apiKey };
  if (creds.tenantId) headers['x-tenant-id'] = creds.tenantId;
  /** Sends runs; resolves to undefined when accepted, or the refusal (status, detail); throws what is worth retrying. */
  const post = async (texts: readonly string[], signal: AbortSignal): Promise<{ status: number; detail: string } | undefined> => {
    const res = await opts.http.request(url, { method: 'POST', headers, body: `{"post":[${texts.join(',')}]}`, signal });
    const text = await res.body.text();
    if (res.status >= 200 && res.status < 300) return undefined;
    const detail = opts.scrub(text.slice(0, 500));
    if (retryable(res.status)) throw new Error(`LangSmith answered ${res.status} at ${url}: ${detail}`);
    return { status: res.status, detail };
  };
  return async (batch) => {
    const refused = await post(batch.texts, batch.signal);
    if (!refused) return;
    const singles = batch.texts.length > 1 ? batch.texts : [];
    let dropped = batch.texts.length > 1 ? 0 : 1;
    let last = refused;
    for (const text of singles) {
      const alone = await post([text], batch.signal);
      if (alone) {
        dropped++;
        last = alone;
      }
    }
    if (dropped === 0) return;
    opts.onRejected?.(dropped);
    opts.log.error({ url, status: last.status, runs: dropped, answer: last.detail }, 'langsmith: LangSmith refused runs as invalid; they are dropped');
  };
}
