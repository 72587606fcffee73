/**
 * Sends a batch of logs to the Datadog logs intake (`POST /api/v2/logs`), LiteLLM's way: a JSON
 * array, gzip-compressed, `DD-API-KEY` when there is a key (an Agent may not need one). Datadog
 * takes at most 1000 logs and 5 MB uncompressed per request, so a batch is cut into requests under
 * both before it is sent, and a request answered 413 is halved and sent again; a single log still
 * refused as too large is dropped with a warning (LiteLLM does the same) rather than wedging the queue.
 * Any other answer than 2xx rejects, so LogDelivery retries the batch.
 */
import { gzip as gzipCallback } from 'node:zlib';
import { promisify } from 'node:util';
import { httpTarget, type HttpClient, type HttpTarget, type Logger } from '@sluice/plugin-sdk';

const gzip = promisify(gzipCallback);

/** Datadog's limits per request. The byte limit keeps a margin under the intake's 5 MB. */
export const DD_MAX_BATCH_SIZE = 1000;
export const DD_MAX_PAYLOAD_BYTES = 4_800_000;

export interface IntakeDestination {
  /** `…/api/v2/logs` */
  url: string;
  apiKey?: string;
}

export interface IntakeOptions {
  http: HttpClient;
  log: Logger;
  gzip: boolean;
}

export class DatadogIntake {
  private readonly target: HttpTarget;

  constructor(
    private readonly dest: IntakeDestination,
    private readonly opts: IntakeOptions,
  ) {
    this.target = httpTarget(dest.url);
  }

  /** `texts`: the logs as JSON texts. Resolves once every log was accepted (or dropped as too large). */
  async send(texts: readonly string[], signal: AbortSignal): Promise<void> {
    for (const chunk of chunksWithinLimits(texts)) await this.post(chunk, signal);
  }

  private async post(chunk: readonly string[], signal: AbortSignal): Promise<void> {
    const json = `[${chunk.join(',')}]`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.dest.apiKey) headers['dd-api-key'] = this.dest.apiKey;
    let body: string | Uint8Array = json;
    if (this.opts.gzip) {
      body = await gzip(json);
      headers['content-encoding'] = 'gzip';
    }
    const res = await this.opts.http.request(this.target, { method: 'POST', headers, body, signal });
    const answer = await res.body.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 413) {
      if (chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        await this.post(chunk.slice(0, half), signal);
        await this.post(chunk.slice(half), signal);
        return;
      }
      this.opts.log.warn({ bytes: json.length }, 'Datadog API Error - Payload too large: one log is above the intake limit; it is dropped (turn off message logging or shorten the content)');
      return;
    }
    throw new Error(`Datadog intake answered HTTP ${res.status}: ${answer.slice(0, 200)}`);
  }
}

/** Consecutive runs of `texts` of at most DD_MAX_BATCH_SIZE logs and DD_MAX_PAYLOAD_BYTES (as JSON array text). */
export function chunksWithinLimits(texts: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const t of texts) {
    const size = Buffer.byteLength(t) + 1;
    if (current.length > 0 && (current.length >= DD_MAX_BATCH_SIZE || bytes + size > DD_MAX_PAYLOAD_BYTES)) {
      out.push(current);
      current = [];
      bytes = 2;
    }
    current.push(t);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
