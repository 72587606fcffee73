/** The provider contract: a plugin turns an OpenAI-format request into a call to one upstream API. */
import type { JsonObject } from './json.js';
import type { DeploymentInfo, Endpoint } from './hook-contexts.js';

/** One entry of `model_list`, resolved: secrets are already read, `os.environ/` refs expanded. */
export interface DeploymentConfig extends DeploymentInfo {
  /** The deployment's upstream credential. Never logged, never returned by any API. */
  readonly apiKey: string | undefined;
  readonly apiVersion: string | undefined;
  /** Whole-call timeout for non-streamed calls, ms. */
  readonly timeoutMs: number;
  /** Time allowed between stream events, ms. */
  readonly streamTimeoutMs: number;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** Every `litellm_params` entry as configured (the api_key is removed). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly modelInfo: Readonly<Record<string, unknown>>;
}

/**
 * What `ProviderRequest.signal` offers: the subset of AbortSignal that undici and most code use.
 * Call `toAbortSignal(signal)` from the SDK when an API insists on a real AbortSignal (fetch).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  toAbortSignal?(): AbortSignal;
}

/** A real AbortSignal that follows `signal`. */
export function toAbortSignal(signal: AbortSignalLike): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  if (signal.toAbortSignal) return signal.toAbortSignal();
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason));
  return controller.signal;
}

export interface ProviderRequest {
  readonly requestId: string;
  /**
   * Which call this is; an adapter only gets the endpoints its `ProviderDefinition` declares.
   * `rerank`: the body is `{model, query, documents, top_n?, return_documents?, rank_fields?,
   * max_chunks_per_doc?, …}` and the answer a `json` one in LiteLLM's (Cohere's) rerank shape,
   * `{id, results: [{index, relevance_score, document?}], meta: {billed_units: {search_units}}}`:
   * the kernel prices the call from `meta` (search units, tokens). Never streamed.
   */
  readonly endpoint: Endpoint;
  /** OpenAI-format body with `model` already set to the deployment's upstream model. */
  readonly body: JsonObject;
  readonly stream: boolean;
  /** Aborted when the client disconnects or the deployment's timeout passes. */
  readonly signal: AbortSignalLike;
}

/** One server-sent event of an OpenAI-format stream: `data` is the JSON text of one chunk. */
export interface StreamEvent {
  data: string;
  /** The parsed chunk when the adapter already has it, to save the kernel a parse. */
  json?: JsonObject;
}

export type ProviderResponse =
  | { kind: 'json'; status: number; body: JsonObject; /** Raw upstream text, sent as-is when unchanged. */ raw?: string }
  | {
      kind: 'stream';
      status: number;
      /** Chunks in the order received, grouped as they arrived (one batch per network read). */
      batches: AsyncIterable<StreamEvent[]>;
    }
  | {
      /**
       * The upstream's own bytes, already an OpenAI-format SSE stream (`data: {chunk}` events and
       * `data: [DONE]`). The gateway relays them as they are unless a plugin needs parsed chunks.
       */
      kind: 'sse';
      status: number;
      body: AsyncIterable<Uint8Array>;
    };

export interface ProviderAdapter {
  /** Performs the call. Throws `UpstreamError` for upstream errors and timeouts. */
  call(request: ProviderRequest): Promise<ProviderResponse>;
  close?(): Promise<void>;
}

export interface ProviderDefinition {
  /** Prefixes of `litellm_params.model` this provider serves, e.g. `['openai', 'groq']`. */
  names: string[];
  /** Endpoints it implements. */
  endpoints: Endpoint[];
  /**
   * Called once per deployment at config load, never per request. A deployment that cannot be
   * built still starts, as in LiteLLM, and every call to it fails: throw `UpstreamError(message,
   * { status: 401 })` when its credentials are missing (the calls answer 401), anything else for
   * other problems (the calls answer 500).
   */
  createAdapter(deployment: DeploymentConfig): ProviderAdapter;
}
