/**
 * The LLM Guard API's prompt endpoint: `POST {base}/analyze/prompt` with `{"prompt": "..."}`,
 * answered by `{"sanitized_prompt", "is_valid", "scanners": {name: risk score}}`. Anything else
 * (an error status, a body without a boolean `is_valid`) is a fault: a moderation answer we cannot
 * read must not pass for a clean prompt.
 */
import { httpTarget, type HttpClient, type HttpTarget } from '@sluice/plugin-sdk';

export interface PromptAnalysis {
  isValid: boolean;
  /** Risk score per scanner, as LLM Guard reports them. */
  scanners: Record<string, unknown>;
  /** The body as received, for the log line LiteLLM's docs tell operators to look for. */
  raw: string;
}

export interface LlmGuardClientOptions {
  apiBase: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

export class LlmGuardClient {
  private readonly target: HttpTarget;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly http: HttpClient,
    private readonly opts: LlmGuardClientOptions,
  ) {
    // LiteLLM appends `analyze/prompt` after making sure the base ends with one slash.
    this.target = httpTarget(`${opts.apiBase.replace(/\/+$/, '')}/analyze/prompt`);
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (opts.apiKey !== undefined) this.headers.authorization = `Bearer ${opts.apiKey}`;
  }

  async analyzePrompt(prompt: string): Promise<PromptAnalysis> {
    const res = await this.http.request(this.target, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ prompt }),
      headersTimeoutMs: this.opts.timeoutMs,
      bodyTimeoutMs: this.opts.timeoutMs,
    });
    const raw = await res.body.text();
    if (res.status < 200 || res.status >= 300) throw new Error(`LLM Guard API answered HTTP ${res.status}: ${raw.slice(0, 300)}`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error(`LLM Guard API sent a non-JSON body: ${raw.slice(0, 300)}`);
    }
    const body = json as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || typeof body.is_valid !== 'boolean') {
      throw new Error(`LLM Guard API answer has no boolean is_valid: ${raw.slice(0, 300)}`);
    }
    const scanners = typeof body.scanners === 'object' && body.scanners !== null ? (body.scanners as Record<string, unknown>) : {};
    return { isValid: body.is_valid, scanners, raw };
  }
}
