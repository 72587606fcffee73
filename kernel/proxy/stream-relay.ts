/**
 * Relays an OpenAI-format stream to the client as it arrives. Headers go out with the first event
 * (so an upstream that fails before its first byte still gets a proper error status); usage is
 * captured from the final chunk and that chunk is dropped when the client did not ask for it.
 */
import type { Readable } from 'node:stream';
import {
  isUpstreamError,
  isVerdict,
  verdictEnvelope,
  type SluiceError,
  type CallContext,
  type ChunkContext,
  type Usage,
  type JsonObject,
  type StreamEvent,
  readOpenAIStream,
} from '@sluice/plugin-sdk';
import { KernelErrors, fromUpstream, toClientError } from '../errors.js';
import { toUpstreamError } from '../http/http-client.js';
import type { KernelHooks } from '../hooks.js';
import type { RegisteredDeployment } from '../models/model-registry.js';
import { assembleStream, responseToChunks } from './assemble-stream.js';
import { StreamCollector } from './stream-collector.js';
import { SsePassThrough } from './sse-passthrough.js';
import type { CallAbort } from './call-abort.js';
import type { CallReply, CallRequest } from './call-exchange.js';
import { NO_USAGE, chunkHasUsage, readUsage } from './usage.js';
import { responseIdOf, streamIdOf } from './spend-event.js';

export interface StreamRelayInput {
  request: CallRequest;
  reply: CallReply;
  /** The provider's stream: parsed batches, or raw OpenAI-format SSE bytes. */
  source: { kind: 'stream'; batches: AsyncIterable<StreamEvent[]> } | { kind: 'sse'; body: AsyncIterable<Uint8Array> };
  call: CallContext;
  deployment: RegisteredDeployment;
  endpoint: 'chat' | 'completions';
  stripUsage: boolean;
  hooks: KernelHooks;
  buffersStreams: boolean;
  scrub: (text: string) => string;
  upstreamStart: number;
  abort: CallAbort;
  /** From the router's outcome, for the x-litellm-attempted-* headers. */
  attemptedFallbacks?: number;
  attemptedRetries?: number;
  /** Headers plugins added for the response (`CallContext.responseHeaders`). */
  extraHeaders?: Record<string, string>;
  /** Assemble the whole completion for `CallContext.onFinalResponse` (kept off the client's path). */
  assemble?: boolean;
}

export interface StreamOutcome {
  usage: Usage;
  upstreamMs: number;
  error?: SluiceError;
  /** The assembled completion, when `assemble` was asked for and the stream was not too large. */
  assembled?: JsonObject;
  /** The provider's response id, from the stream's first chunk (`chatcmpl-…`). */
  responseId?: string;
  /** Epoch ms at which the first chunk arrived from the provider. */
  firstChunkAt?: number;
  /** A buffered stream that postCall changed: the completion the client got, as JSON text (`FinalResponse.sent`). */
  sent?: string;
}

const DONE = 'data: [DONE]\n\n';

export async function relayStream(input: StreamRelayInput): Promise<StreamOutcome> {
  const { request, reply, deployment } = input;
  const res = reply.raw;
  const perChunk = input.hooks.postCallChunk.isUsed();
  let usage: Usage = NO_USAGE;
  let upstreamMs = 0;
  let sent: string | undefined;
  let headersSent = false;
  let index = 0;
  const collector = input.assemble ? new StreamCollector() : undefined;
  // The response id is read once, from the first whole events: no work per later chunk.
  const head: StreamHead = { sought: false, id: undefined, at: undefined };

  const sendHeaders = () => {
    headersSent = true;
    head.at ??= Date.now();
    upstreamMs = performance.now() - input.upstreamStart;
    const overhead = (performance.now() - request.receivedAt - upstreamMs).toFixed(3);
    reply.hijack();
    const headers: Record<string, string | number> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
      'x-litellm-call-id': request.id,
      'x-litellm-model-id': deployment.config.id,
      'x-litellm-overhead-duration-ms': overhead,
    };
    if (input.attemptedFallbacks) headers['x-litellm-attempted-fallbacks'] = input.attemptedFallbacks;
    if (input.attemptedRetries) headers['x-litellm-attempted-retries'] = input.attemptedRetries;
    if (input.extraHeaders) for (const name in input.extraHeaders) headers[name] = input.extraHeaders[name]!;
    res.writeHead(200, headers);
  };

  /** Writes; returns a promise only when the socket asked us to wait (backpressure). */
  const write = (text: string | Buffer): Promise<unknown> | undefined => {
    if (!headersSent) sendHeaders();
    if (res.destroyed || res.write(text)) return undefined;
    return drainedOrClosed(res);
  };

  const framedChunk = async (chunk: JsonObject): Promise<string> => {
    if (perChunk) {
      const out = await input.hooks.postCallChunk.promise({ call: input.call, deployment: deployment.info, index: index++, chunk } as ChunkContext);
      if (out.chunk === null) return '';
      chunk = out.chunk;
    }
    return `data: ${JSON.stringify(chunk)}\n\n`;
  };

  try {
    if (input.source.kind === 'sse' && !perChunk && !input.buffersStreams) {
      // Nobody needs parsed chunks: relay the upstream's bytes as they are.
      const relay = new SsePassThrough(input.stripUsage);
      const body = input.source.body;
      if (isReadable(body)) {
        await pumpReadable(body, relay, write, res, collector, head);
      } else {
        for await (const bytes of body) {
          collector?.bytes(bytes);
          const out = relay.push(bytes);
          if (out && !head.sought) seekId(head, out);
          const wait = out ? write(out) : undefined;
          if (wait) await wait;
          if (res.destroyed) break;
        }
      }
      const tail = relay.end();
      if (tail) write(tail);
      if (!headersSent) sendHeaders();
      // A client gone mid-stream leaves the loop early: what was collected is not the whole answer.
      const whole = !res.destroyed;
      if (whole) res.end(relay.state.sawDone ? undefined : DONE);
      return { usage: relay.state.usage ?? NO_USAGE, upstreamMs, responseId: head.id, firstChunkAt: head.at, ...(collector && whole && { assembled: collector.assembleBytes(input.endpoint) }) };
    }
    const batches = input.source.kind === 'sse' ? readOpenAIStream(input.source.body) : input.source.batches;
    if (input.buffersStreams) {
      const chunks: JsonObject[] = [];
      for await (const batch of batches) {
        head.at ??= Date.now();
        for (const ev of batch) chunks.push(ev.json ?? (JSON.parse(ev.data) as JsonObject));
      }
      upstreamMs = performance.now() - input.upstreamStart;
      head.sought = true;
      head.id = idOf(chunks[0]?.id);
      const assembled = assembleStream(chunks, input.endpoint);
      usage = readUsage(assembled.usage);
      const before = JSON.stringify(assembled);
      const after = (await input.hooks.postCall.promise({ call: input.call, deployment: deployment.info, streamed: true, response: assembled })).response;
      const afterText = collector ? JSON.stringify(after) : undefined;
      if (afterText !== undefined && afterText !== before) sent = afterText;
      let out = '';
      for (const chunk of (afterText ?? JSON.stringify(after)) === before ? chunks : responseToChunks(after, input.endpoint)) {
        if (input.stripUsage && isUsageOnly(chunk)) continue;
        out += await framedChunk(chunk);
      }
      if (out) await write(out);
      if (collector) for (const chunk of chunks) collector.json(chunk);
    } else {
      // One client write per upstream read: a read usually carries several events.
      for await (const batch of batches) {
        let out = '';
        for (const ev of batch) {
          if (!head.sought) {
            head.sought = true;
            head.id = ev.json ? idOf(ev.json.id) : responseIdOf(undefined, ev.data);
          }
          if (collector) collector.json(ev.json ?? (ev.json = JSON.parse(ev.data) as JsonObject));
          let json = ev.json;
          if (json ? json.usage != null : chunkHasUsage(ev.data)) {
            json ??= JSON.parse(ev.data) as JsonObject;
            usage = readUsage(json.usage);
            if (input.stripUsage && isUsageOnly(json)) continue;
          }
          out += perChunk ? await framedChunk(json ?? (JSON.parse(ev.data) as JsonObject)) : `data: ${ev.data}\n\n`;
        }
        if (out) {
          const wait = write(out);
          if (wait) await wait;
        }
        if (res.destroyed) break;
      }
    }
    if (!headersSent) sendHeaders();
    const whole = !res.destroyed;
    if (whole) res.end(DONE);
    return { usage, upstreamMs, responseId: head.id, firstChunkAt: head.at, ...(collector && whole && { assembled: collector.assembleJson(input.endpoint), ...(sent !== undefined && { sent }) }) };
  } catch (err) {
    if (input.abort.aborted) return { usage, upstreamMs, responseId: head.id, firstChunkAt: head.at, error: KernelErrors.CLIENT_CLOSED() };
    const clientError = streamFailure(err, deployment, request.id);
    if (!headersSent) throw clientError; // nothing sent yet: the error handler answers with its status
    // Mid-stream: the status is gone; tell the client in-band, as OpenAI does, then end the stream.
    if (!res.destroyed) res.end(`data: ${input.scrub(JSON.stringify(verdictEnvelope(clientError)))}\n\n`);
    input.abort.abort();
    return { usage, upstreamMs, responseId: head.id, firstChunkAt: head.at, error: clientError };
  }
}

/** What went wrong while reading the provider's events, as the client should see it. */
function streamFailure(err: unknown, deployment: RegisteredDeployment, requestId: string): SluiceError {
  if (isVerdict(err)) return err; // a plugin's verdict on a chunk
  const provider = deployment.config.provider;
  if (err instanceof SyntaxError) return KernelErrors.UPSTREAM_BAD_RESPONSE({ provider, detail: `invalid JSON in stream (${err.message})` });
  const upstream = toUpstreamError(err);
  if (isUpstreamError(upstream)) {
    if (upstream.status === 0) return KernelErrors.UPSTREAM_BAD_RESPONSE({ provider, detail: `the stream broke off (${upstream.message})` });
    return fromUpstream(upstream, provider, deployment.config.streamTimeoutMs);
  }
  return toClientError(err, requestId);
}

function isReadable(body: AsyncIterable<Uint8Array>): body is Readable {
  return typeof (body as Readable).on === 'function' && typeof (body as Readable).pause === 'function';
}

/**
 * Relays a Node stream with 'data' events, pausing on backpressure — what `pipe` does, and
 * markedly cheaper per chunk than async iteration.
 */
function pumpReadable(
  body: Readable,
  relay: SsePassThrough,
  write: (text: string | Buffer) => Promise<unknown> | undefined,
  res: CallReply['raw'],
  collector: StreamCollector | undefined,
  head: StreamHead,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onClose = () => {
      body.destroy();
      resolve();
    };
    const cleanup = () => res.off('close', onClose);
    body.on('data', (bytes: Buffer) => {
      collector?.bytes(bytes);
      const out = relay.push(bytes);
      if (!out) return;
      if (!head.sought) seekId(head, out);
      const wait = write(out);
      if (wait) {
        body.pause();
        void wait.then(() => body.resume());
      }
    });
    body.once('end', () => {
      cleanup();
      resolve();
    });
    body.once('error', (err) => {
      cleanup();
      reject(err);
    });
    res.once('close', onClose);
  });
}

/**
 * Resolves once the socket took the buffered bytes or the response closed. Both listeners come off
 * when either fires: `Promise.race` of two `events.once` left the losing 'close' (and its 'error')
 * listener on the response after every drain, so a long stream to a slow reader piled up one pair
 * per backpressure wait until it ended (MaxListenersExceededWarning at 10,000 chunks).
 */
function drainedOrClosed(res: CallReply['raw']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** What the relay learns from a stream's start: the response id (looked for once) and when it began. */
interface StreamHead {
  sought: boolean;
  id: string | undefined;
  at: number | undefined;
}

/** Events before the first `data:` (an SSE comment, a keep-alive) leave the search open. */
function seekId(head: StreamHead, events: Buffer | string): void {
  head.id = streamIdOf(events);
  head.sought = head.id !== undefined || events.includes('data:');
}

const idOf = (id: unknown): string | undefined => (typeof id === 'string' && id.length > 0 ? id : undefined);

function isUsageOnly(chunk: JsonObject): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
}
