/**
 * Cloud Natural Language `documents:moderateText` (v1): `{"document": {"type": "PLAIN_TEXT",
 * "content": …}}` in, `{"moderationCategories": [{"name", "confidence"}], …}` out. Authenticated
 * with an API key (`x-goog-api-key`) or a service account's OAuth token (`Authorization: Bearer`).
 * Anything but a readable 2xx answer is a fault for the failure policy to decide.
 */
import { httpTarget, type HttpClient, type HttpTarget } from '@sluice/plugin-sdk';
import type { ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';

export interface ModerationCategory {
  name: string;
  confidence: number;
}

export type GoogleAuth = { kind: 'api-key'; apiKey: string } | { kind: 'service-account'; tokens: ServiceAccountTokenSource };

export class ModerateTextClient {
  private readonly target: HttpTarget;

  constructor(
    private readonly http: HttpClient,
    apiBase: string,
    private readonly auth: GoogleAuth,
    private readonly timeoutMs: number,
  ) {
    this.target = httpTarget(`${apiBase.replace(/\/+$/, '')}/v1/documents:moderateText`);
  }

  async moderate(content: string): Promise<ModerationCategory[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    let token: string | undefined;
    if (this.auth.kind === 'api-key') headers['x-goog-api-key'] = this.auth.apiKey;
    else {
      token = await this.auth.tokens.get();
      headers.authorization = `Bearer ${token}`;
    }
    const res = await this.http.request(this.target, {
      method: 'POST',
      headers,
      body: JSON.stringify({ document: { type: 'PLAIN_TEXT', content } }),
      headersTimeoutMs: this.timeoutMs,
      bodyTimeoutMs: this.timeoutMs,
    });
    const raw = await res.body.text();
    if (res.status === 401 && token !== undefined && this.auth.kind === 'service-account') this.auth.tokens.invalidate(token);
    if (res.status < 200 || res.status >= 300) throw new Error(`Google moderateText answered HTTP ${res.status}: ${googleMessage(raw)}`);
    let body: { moderationCategories?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      throw new Error(`Google moderateText sent a non-JSON body: ${raw.slice(0, 200)}`);
    }
    // Proto3 JSON leaves out empty lists, so no categories at all is a valid (if unusual) answer.
    const categories = body.moderationCategories ?? [];
    if (!Array.isArray(categories)) throw new Error('Google moderateText answer has no moderationCategories list');
    return categories.map((c: { name?: unknown; confidence?: unknown }) => {
      if (typeof c?.name !== 'string') throw new Error(`Google moderateText category without a name: ${JSON.stringify(c)}`);
      // Proto3 JSON leaves out zero values: a missing confidence is 0.
      return { name: c.name, confidence: typeof c.confidence === 'number' ? c.confidence : 0 };
    });
  }
}

/** Google's `{"error": {"message", "status"}}`, or the start of whatever came back. */
function googleMessage(raw: string): string {
  try {
    const error = (JSON.parse(raw) as { error?: { message?: unknown; status?: unknown } }).error;
    if (error && typeof error.message === 'string') return typeof error.status === 'string' ? `${error.status}: ${error.message}` : error.message;
  } catch {
    // not JSON
  }
  return raw.slice(0, 200);
}
