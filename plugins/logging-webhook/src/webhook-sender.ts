/**
 * POSTs a batch of StandardLoggingPayloads in one of LiteLLM's log formats: `json_array` (one
 * request, `[{…},{…}]`), `ndjson` (one request, one object per line) or `single` (one request per
 * log, in parallel). The items arrive as JSON texts and are joined, never re-serialised. Any answer
 * but 2xx rejects, so LogDelivery retries the batch (a `single` batch is retried whole: the
 * receiver may see a log twice, and can de-duplicate on its `id`, the request id).
 */
import { httpTarget, type HttpClient, type HttpTarget } from '@sluice/plugin-sdk';

export type LogFormat = 'json_array' | 'ndjson' | 'single';

export interface WebhookEndpoint {
  url: string;
  headers: Readonly<Record<string, string>>;
  logFormat: LogFormat;
}

export class WebhookSender {
  private readonly target: HttpTarget;

  constructor(
    private readonly endpoint: WebhookEndpoint,
    private readonly http: HttpClient,
  ) {
    this.target = httpTarget(endpoint.url);
  }

  async send(texts: readonly string[], signal: AbortSignal): Promise<void> {
    switch (this.endpoint.logFormat) {
      case 'single':
        await Promise.all(texts.map((t) => this.post(t, signal)));
        return;
      case 'ndjson':
        return this.post(texts.join('\n'), signal);
      default:
        return this.post(`[${texts.join(',')}]`, signal);
    }
  }

  private async post(body: string, signal: AbortSignal): Promise<void> {
    const res = await this.http.request(this.target, { method: 'POST', headers: { ...this.endpoint.headers }, body, signal });
    const answer = await res.body.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) throw new Error(`the endpoint answered HTTP ${res.status}: ${answer.slice(0, 200)}`);
  }
}
