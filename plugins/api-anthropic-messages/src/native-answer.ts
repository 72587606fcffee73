/**
 * A deployment answered in Anthropic's own format (anthropic/, Bedrock or Vertex Claude): the
 * message is relayed as the upstream wrote it, a stream byte for byte, and only the usage is read
 * out of it for the spend record.
 */
import { parseSpan, topLevelSpans, type JsonObject, type JsonSpan, type JsonValue, type ProviderResponse, type RouteResult, type Usage } from '@sluice/plugin-sdk';
import { MessagesErrors } from './errors.js';
import { NativeStreamUsage } from './native-stream-usage.js';
import { errorEvent } from './sse-events.js';
import { spendUsageOf } from './usage-mapping.js';
import { isObject } from './validate-request.js';

/** What the route reports once the answer is out. */
export interface AnswerOutcome {
  usage: Usage;
  responseId: string | undefined;
  /** Set when the stream ended in an error (an upstream `error` event, or the upstream failing). */
  failure?: { status: number; code: string };
}

/** Anthropic error type → status, for an `error` event inside a 200 stream. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

const MESSAGE_KEYS = ['type', 'id', 'content', 'usage'] as const;

export function nativeJsonAnswer(response: Extract<ProviderResponse, { kind: 'json' }>): { result: RouteResult; outcome: AnswerOutcome } {
  // The upstream's own text when the adapter kept it: relayed as it is, and only its id and usage
  // read out of it (the adapter parses the rest only if something reads `body`).
  const raw = response.raw;
  // Scanned at every size: alone, V8's JSON.parse of a ~400-byte message is about as fast as the
  // scan (1.4 vs 1.7 µs), but in the gateway under load the parse cost 4.7 µs a call in the CPU
  // profile, and the message's objects it allocates doubled the young-generation GC per call.
  const spans = typeof raw === 'string' ? topLevelSpans(raw, MESSAGE_KEYS) : undefined;
  if (spans && typeof raw === 'string') {
    const content = spans.get('content');
    if (!isMessageType(raw, spans.get('type')) || !content || raw.charCodeAt(content.start) !== 91) throw notAMessage();
    const usage = parseSpan(raw, spans.get('usage'));
    const id = plainString(raw, spans.get('id'));
    const outcome: AnswerOutcome = { usage: spendUsageOf(isObject(usage as JsonValue) ? (usage as JsonObject) : {}), responseId: typeof id === 'string' ? id : undefined };
    return { result: { body: raw, contentType: 'application/json' }, outcome };
  }
  const message = response.body;
  if (message.type !== 'message' || !Array.isArray(message.content)) throw notAMessage();
  const outcome: AnswerOutcome = {
    usage: spendUsageOf(isObject(message.usage) ? message.usage : {}),
    responseId: typeof message.id === 'string' ? message.id : undefined,
  };
  const result: RouteResult = typeof raw === 'string' ? { body: raw, contentType: 'application/json' } : { body: message };
  return { result, outcome };
}

/** Whether the span is the string "message" (as written, or with escapes: then parsed). */
function isMessageType(raw: string, span: JsonSpan | undefined): boolean {
  if (!span) return false;
  if (span.end - span.start === 9 && raw.startsWith('"message"', span.start)) return true;
  return parseSpan(raw, span) === 'message';
}

/** A string span's value: sliced out when it has no escapes (an id never does), else parsed. */
function plainString(raw: string, span: JsonSpan | undefined): string | undefined {
  if (!span || raw.charCodeAt(span.start) !== 34) return undefined;
  const value = raw.slice(span.start + 1, span.end - 1);
  if (!value.includes('\\')) return value;
  const parsed = parseSpan(raw, span);
  return typeof parsed === 'string' ? parsed : undefined;
}

function notAMessage(): Error {
  return MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: 'the deployment answered /v1/messages with something that is not a message' });
}

/**
 * The upstream's event stream relayed as it comes; `onEnd` gets the usage when it is over (or the
 * client left). A plain iterator rather than an async generator: each chunk passes straight from
 * the upstream's `next()` to the gateway's, without a generator resuming in between.
 */
export function relayNativeStream(body: AsyncIterable<Uint8Array>, onEnd: (outcome: AnswerOutcome) => void): AsyncIterableIterator<Uint8Array> {
  return new NativeRelay(body[Symbol.asyncIterator](), onEnd);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class NativeRelay implements AsyncIterableIterator<Uint8Array> {
  private readonly scanner = new NativeStreamUsage();
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly onEnd: (outcome: AnswerOutcome) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.ended) return DONE;
    let step: IteratorResult<Uint8Array>;
    try {
      step = await this.source.next();
    } catch (err) {
      // The upstream failed mid-stream: the client gets an Anthropic `error` event, then the end.
      const { text, status } = errorEvent(err);
      this.end({ status, code: 'ANTHROPIC_MESSAGES_UPSTREAM_STREAM_FAILED' });
      return { done: false, value: Buffer.from(text) };
    }
    if (step.done) {
      this.end(undefined);
      return DONE;
    }
    this.scanner.scan(step.value);
    return step;
  }

  /** The client left (or the gateway stopped reading): the upstream is released, the spend reported. */
  async return(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.ended) return DONE;
    this.end(undefined);
    await this.source.return?.();
    return DONE;
  }

  private end(failure: AnswerOutcome['failure']): void {
    this.ended = true;
    const { scanner } = this;
    if (!failure && scanner.errorType !== undefined) {
      failure = { status: STATUS_OF_TYPE[scanner.errorType] ?? 500, code: `anthropic_${scanner.errorType}` };
    }
    this.onEnd({ usage: spendUsageOf(scanner.usage), responseId: scanner.messageId, ...(failure && { failure }) });
  }
}
