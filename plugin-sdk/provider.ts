/** The provider contract: a plugin turns an OpenAI-format request into a call to one upstream API. */
import type { JsonObject } from './json.js';
import type { DeploymentInfo, Endpoint } from './hook-contexts.js';

/** Every `Endpoint`, in declaration order. */
export const ENDPOINTS: readonly Endpoint[] = Object.freeze([
  'chat',
  'completions',
  'embeddings',
  'rerank',
  'responses',
  'messages',
  'count_tokens',
  'image_generation',
  'image_edit',
  'image_variation',
  'audio_transcription',
  'audio_translation',
  'audio_speech',
  'moderation',
] as const);


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
  /**
   * Uploaded files of a multipart call (`image_edit`, `image_variation`, `audio_transcription`,
   * `audio_translation`): sent upstream as multipart parts beside the body's fields.
   */
  readonly files?: readonly ProviderFile[];
  /**
   * Whole-call timeout of this call, ms, when a route asked for one other than the deployment's
   * (`ModelCall.timeoutMs`: long audio, batches). Adapters use it instead of `timeoutMs`.
   */
  readonly timeoutMs?: number;
  /** Extra headers for the upstream request (`CallContext.upstreamHeaders`: trace context). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One file part of a multipart call, already read and bounded by the route that took it. */
export interface ProviderFile {
  /** The form field: `file`, `image`, `image[]`, `mask`. */
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly data: Uint8Array;
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
    }
  | {
      /**
       * Binary content relayed as it comes (`audio_speech`'s audio). For the `responses` and
       * `messages` endpoints, a `sse` answer carries that API's own SSE events instead of OpenAI
       * chunks, and the route that asked for it reads them.
       */
      kind: 'bytes';
      status: number;
      contentType: string;
      body: AsyncIterable<Uint8Array>;
    };

/**
 * A request in the provider's own API, sent with the deployment's credentials (provider
 * pass-through routes, files, batches). The client's credential headers are already removed.
 */
export interface ForwardRequest {
  readonly method: string;
  /**
   * Path relative to the provider's API root, with its query string: what follows the route's
   * prefix (`/v1/messages` after `/anthropic`, `/model/{id}/converse` after `/bedrock`).
   */
  readonly path: string;
  /** Lower-cased headers to pass on (content-type, accept, provider version headers…). */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes as received, or a stream of them (uploads are not buffered whole). */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Bytes of `body` when it is a stream and the length is known (content-length). */
  readonly contentLength?: number;
  readonly signal: AbortSignalLike;
}

/** The provider's answer, untouched: any status (errors included) is relayed, not thrown. */
export interface ForwardResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: AsyncIterable<Uint8Array>;
}

export interface ProviderAdapter {
  /** Performs the call. Throws `UpstreamError` for upstream errors and timeouts. */
  call(request: ProviderRequest): Promise<ProviderResponse>;
  /**
   * Sends a request in the provider's native API with this deployment's credentials (API key,
   * SigV4 signature, Google token) and returns the answer untouched. Throws `UpstreamError` only
   * when no answer came (connection failure, timeout). Providers without it serve no
   * pass-through route.
   */
  forward?(request: ForwardRequest): Promise<ForwardResponse>;
  close?(): Promise<void>;
}

export interface ProviderDefinition {
  /** Prefixes of `litellm_params.model` this provider serves, e.g. `['openai', 'groq']`. */
  names: string[];
  /** Endpoints it implements. */
  endpoints: Endpoint[];
  /**
   * The endpoints one deployment serves, when they depend on its model (Bedrock speaks Anthropic's
   * Messages API for Claude models only; an image model serves no chat): a subset of `endpoints`.
   * Called once per deployment when it is registered, never per request. Default: `endpoints`.
   */
  endpointsFor?(deployment: DeploymentConfig): Endpoint[];
  /**
   * Called once per deployment at config load, never per request. A deployment that cannot be
   * built still starts, as in LiteLLM, and every call to it fails: throw `UpstreamError(message,
   * { status: 401 })` when its credentials are missing (the calls answer 401), anything else for
   * other problems (the calls answer 500).
   */
  createAdapter(deployment: DeploymentConfig): ProviderAdapter;
}
