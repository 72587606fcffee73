/**
 * The few CyberArk Conjur REST calls a secret manager needs, over undici: there is no official,
 * maintained Conjur client for Node (CyberArk ships SDKs for Python, Java, .NET and Go), and
 * LiteLLM itself calls the REST API with httpx.
 *
 * Auth as LiteLLM does it: `POST /authn/{account}/{login}/authenticate` with the API key answers
 * a JSON access token, sent base64-encoded as `Authorization: Token token="…"`. Conjur's tokens
 * live 8 minutes; one is reused for at most `tokenTtlMs` (LiteLLM: its refresh interval, 300 s)
 * and never past 7 minutes, one login at a time however many calls wait; a 401 on a reused token
 * (revoked, clock skew) logs in again once.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

export interface ConjurOptions {
  apiBase: string;
  account: string;
  login: string;
  apiKey: string;
  tokenTtlMs: number;
  sslVerify: boolean;
  clientCertFile?: string;
  clientKeyFile?: string;
  now?: () => number;
  /** Told when declaring a variable failed but setting it is still tried (LiteLLM's behaviour). */
  onWarning?: (message: string) => void;
}

const MAX_TOKEN_AGE_MS = 7 * 60_000;
const POLICY_LOAD_ATTEMPTS = 5;

export class ConjurError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A variable id Conjur policy can name: no control characters (they would break the YAML). */
function assertSafeId(id: string): void {
  // eslint-disable-next-line no-control-regex
  if (!id || /[\u0000-\u001f\u007f]/.test(id)) throw new Error('the secret name is not a valid Conjur variable id');
}

export class ConjurClient {
  private readonly agent: Agent;
  private readonly base: string;
  private token: { value: string; at: number } | undefined;
  private login: Promise<string> | undefined;
  private readonly now: () => number;
  /** Logins made, for the log line and tests. */
  authentications = 0;

  constructor(private readonly opts: ConjurOptions) {
    this.base = opts.apiBase.replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
    this.agent = new Agent({
      connect: {
        rejectUnauthorized: opts.sslVerify,
        ...(opts.clientCertFile && opts.clientKeyFile ? { cert: readFileSync(opts.clientCertFile), key: readFileSync(opts.clientKeyFile) } : {}),
      },
    });
  }

  private variableUrl(id: string): string {
    return `${this.base}/secrets/${encodeURIComponent(this.opts.account)}/variable/${encodeURIComponent(id)}`;
  }

  private async authenticate(): Promise<string> {
    const url = `${this.base}/authn/${encodeURIComponent(this.opts.account)}/${encodeURIComponent(this.opts.login)}/authenticate`;
    const res = await request(url, { method: 'POST', body: this.opts.apiKey, headers: { 'content-type': 'text/plain' }, dispatcher: this.agent });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new ConjurError(`Could not authenticate to CyberArk Conjur: HTTP ${res.statusCode}`, res.statusCode);
    this.authentications++;
    // The token is JSON; Conjur wants it base64-encoded in the header.
    return Buffer.from(text, 'utf8').toString('base64');
  }

  private async accessToken(): Promise<string> {
    const ttl = Math.min(this.opts.tokenTtlMs, MAX_TOKEN_AGE_MS);
    if (this.token && this.now() - this.token.at < ttl) return this.token.value;
    this.login ??= this.authenticate()
      .then((value) => {
        this.token = { value, at: this.now() };
        return value;
      })
      .finally(() => {
        this.login = undefined;
      });
    return this.login;
  }

  /** One authenticated call; a 401 with a reused token drops it and logs in once more. */
  private async call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: string, contentType?: string): Promise<{ status: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const headers: Record<string, string> = { authorization: `Token token="${token}"` };
      if (contentType) headers['content-type'] = contentType;
      const res = await request(url, { method, headers, ...(body !== undefined ? { body } : {}), dispatcher: this.agent });
      const text = await res.body.text();
      if (res.statusCode === 401 && attempt === 0) {
        if (this.token?.value === token) this.token = undefined;
        continue;
      }
      return { status: res.statusCode, text };
    }
  }

  /** The variable's value; undefined when it does not exist or has no value (404). */
  async read(id: string): Promise<string | undefined> {
    assertSafeId(id);
    const res = await this.call('GET', this.variableUrl(id));
    if (res.status === 200) return res.text;
    if (res.status === 404) return undefined;
    throw new ConjurError(`CyberArk Conjur answered HTTP ${res.status} reading a variable`, res.status);
  }

  /** Declares the variable in the root policy (LiteLLM's `_ensure_variable_exists`), then sets its value. */
  async write(id: string, value: string): Promise<void> {
    assertSafeId(id);
    try {
      // A JSON string is a valid YAML double-quoted scalar.
      await this.loadPolicy('POST', `- !variable ${JSON.stringify(id)}\n`);
    } catch (err) {
      // A login allowed to set values but not to load policy, with the variable declared by an
      // administrator, still works: go on, as LiteLLM does; setting the value says if it cannot.
      if (!(err instanceof ConjurError)) throw err;
      this.opts.onWarning?.(`could not declare the variable in Conjur policy (${err.message}); setting its value anyway`);
    }
    const res = await this.call('POST', this.variableUrl(id), value, 'application/octet-stream');
    if (res.status !== 201 && res.status !== 200) throw new ConjurError(`CyberArk Conjur answered HTTP ${res.status} setting a variable`, res.status);
  }

  /** Removes the variable through a policy update (`!delete`): Conjur has no delete call for values. */
  async remove(id: string): Promise<void> {
    assertSafeId(id);
    await this.loadPolicy('PATCH', `- !delete\n  record: !variable ${JSON.stringify(id)}\n`);
  }

  /** Loads a policy; 409 (another load in progress) is retried with backoff, as LiteLLM does. */
  private async loadPolicy(method: 'POST' | 'PATCH', yaml: string): Promise<void> {
    const url = `${this.base}/policies/${encodeURIComponent(this.opts.account)}/policy/root`;
    for (let attempt = 0; attempt < POLICY_LOAD_ATTEMPTS; attempt++) {
      const res = await this.call(method, url, yaml, 'application/x-yaml');
      if (res.status === 200 || res.status === 201) return;
      // 404 on a !delete: the variable is not there, which is what was asked.
      if (res.status === 404 && method === 'PATCH') return;
      if (res.status !== 409) throw new ConjurError(`CyberArk Conjur answered HTTP ${res.status} loading a policy`, res.status);
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    throw new ConjurError('CyberArk Conjur kept answering 409 (a policy load in progress)', 409);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
