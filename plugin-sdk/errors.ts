/**
 * Coded errors. Every error a client sees is rendered from one of these as the OpenAI envelope
 * `{"error":{"message","type","param","code"}}`. The kernel keeps its own registry
 * (`SLUICE_ERR_*`); a plugin declares its codes with `definePluginErrors(prefix, specs)`.
 */

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'auth_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'budget_exceeded'
  | 'bad_request_error'
  | 'api_error'
  | 'timeout_error'
  | 'internal_server_error'
  | 'service_unavailable'
  | (string & {});

export interface ErrorSpec {
  /** HTTP status the client receives. */
  status: number;
  /** OpenAI error `type`. */
  type: OpenAIErrorType;
  /** Message template; `{name}` placeholders are filled from the params given at throw time. */
  message: string;
  /** Default `param` of the envelope (LiteLLM sends the string "None" when it has none). */
  param?: string | null;
  /**
   * `code` of the envelope. Defaults to the HTTP status as a string (`"401"`), as LiteLLM's
   * ProxyException sends it; the registry code always travels in the `x-sluice-error-code` header.
   */
  envelopeCode?: string | number | null;
}

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | number | null };
}

/**
 * The mark every `SluiceError` carries, whichever copy of the SDK built it: a plugin that bundles
 * its own SDK (a vendor package, or an npm tree with two versions) throws errors of another class,
 * so `instanceof` would call its refusals crashes. `Symbol.for` keys are shared by every module in
 * a realm; the sandbox marks errors with the same key inside the isolate.
 */
export const VERDICT_BRAND = Symbol.for('sluice.verdict');

/** A coded error: a verdict (a policy decision the client receives with its status). */
export class SluiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly envelopeCode: string | number | null;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers: Record<string, string> | undefined;
  /** Id of the plugin that raised it, filled by the kernel when it crosses a hook boundary. */
  pluginId: string | undefined;

  constructor(
    code: string,
    spec: ErrorSpec,
    message: string,
    opts: { param?: string | null; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.param = opts.param !== undefined ? opts.param : (spec.param ?? null);
    this.envelopeCode = spec.envelopeCode !== undefined ? spec.envelopeCode : String(spec.status);
    this.headers = opts.headers;
    this.pluginId = undefined;
  }

  toEnvelope(): ErrorEnvelope {
    return verdictEnvelope(this);
  }
}

/**
 * The OpenAI envelope of a verdict, read from its fields only: a verdict thrown by another copy of
 * the SDK (or built by hand with the brand) may lack this copy's methods.
 */
export function verdictEnvelope(e: SluiceError): ErrorEnvelope {
  const param = typeof e.param === 'string' ? e.param : null;
  const code = typeof e.envelopeCode === 'string' ? e.envelopeCode : String(typeof e.envelopeCode === 'number' ? e.envelopeCode : e.status);
  return { error: { message: String(e.message), type: typeof e.type === 'string' ? e.type : 'invalid_request_error', param, code } };
}

export type ErrorParams = Record<string, string | number | boolean | null | undefined>;

export interface ErrorFactory {
  readonly code: string;
  readonly spec: Readonly<ErrorSpec>;
  /** Build the error; `params` fill the message template, `opts` override param/headers. */
  (params?: ErrorParams, opts?: { param?: string | null; headers?: Record<string, string>; cause?: unknown }): SluiceError;
}

const PLACEHOLDER = /\{(\w+)\}/g;

export function formatMessage(template: string, params: ErrorParams | undefined): string {
  if (!params) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/**
 * Declare a set of coded errors under a prefix, e.g.
 * `definePluginErrors('BUDGET', { EXCEEDED: { status: 400, type: 'budget_exceeded', message: '…' } })`
 * gives `errors.EXCEEDED({ spend: 3 })` with code `BUDGET_EXCEEDED`.
 */
export function definePluginErrors<K extends string>(
  prefix: string,
  specs: Record<K, ErrorSpec>,
): Readonly<Record<K, ErrorFactory>> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(prefix)) throw new Error(`error prefix must be SCREAMING_SNAKE: ${prefix}`);
  const out = {} as Record<K, ErrorFactory>;
  for (const key of Object.keys(specs) as K[]) {
    const spec = Object.freeze({ ...specs[key] });
    const code = `${prefix}_${key}`;
    const factory = ((params?: ErrorParams, opts?: { param?: string | null; headers?: Record<string, string>; cause?: unknown }) =>
      new SluiceError(code, spec, formatMessage(spec.message, params), opts)) as ErrorFactory;
    Object.defineProperty(factory, 'code', { value: code });
    Object.defineProperty(factory, 'spec', { value: spec });
    out[key] = factory;
  }
  return Object.freeze(out);
}

// On the prototype, not each instance: branding costs nothing per error.
Object.defineProperty(SluiceError.prototype, VERDICT_BRAND, { value: true });

/**
 * The one rule telling a verdict from a fault, the same in-process and in the sandbox: a verdict
 * is an error carrying `VERDICT_BRAND` with a string `code` and an HTTP error status (400–599),
 * whatever that status is. A 5xx verdict is a plugin's deliberate answer (an upstream it depends
 * on is down); anything else thrown is a fault and follows the plugin's failure policy.
 */
export function isVerdict(e: unknown): e is SluiceError {
  if (typeof e !== 'object' || e === null) return false;
  const v = e as { [VERDICT_BRAND]?: unknown; code?: unknown; status?: unknown };
  return v[VERDICT_BRAND] === true && typeof v.code === 'string' && isErrorStatus(v.status);
}

function isErrorStatus(status: unknown): boolean {
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
}

/**
 * Thrown by provider adapters when the upstream answered with an error. The kernel maps it to
 * the client-facing status (5xx → 502, timeouts → 504, 4xx passed through with the upstream message).
 */
export class UpstreamError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: string | undefined;
  readonly timeout: boolean;
  /** Set by the kernel: which provider and timeout the failed attempt had, for the client message. */
  provider: string | undefined;
  timeoutMs: number | undefined;
  constructor(message: string, opts: { status: number; body?: unknown; retryAfter?: string; timeout?: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UpstreamError';
    this.status = opts.status;
    this.body = opts.body;
    this.retryAfter = opts.retryAfter;
    this.timeout = opts.timeout ?? false;
    this.provider = undefined;
    this.timeoutMs = undefined;
  }
}

// Brand, as for verdicts: a provider or router bundling its own SDK copy throws UpstreamErrors of
// another class, and the kernel must still map them to the client's status.
const UPSTREAM_ERROR_BRAND = Symbol.for('sluice.upstream-error');
Object.defineProperty(UpstreamError.prototype, UPSTREAM_ERROR_BRAND, { value: true });

/** Whether `e` is an `UpstreamError`, whichever copy of the SDK built it. */
export function isUpstreamError(e: unknown): e is UpstreamError {
  if (typeof e !== 'object' || e === null) return false;
  const u = e as { [UPSTREAM_ERROR_BRAND]?: unknown; status?: unknown };
  return u[UPSTREAM_ERROR_BRAND] === true && typeof u.status === 'number';
}
