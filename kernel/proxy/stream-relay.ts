/**
 * Relays an OpenAI-format stream to the client as it arrives. Headers go out with the first event
 * (so an upstream that fails before its first byte still gets a proper error status); usage is
 * captured from the final chunk and that chunk is dropped when the client did not ask for it.
 */
import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError, UpstreamError } from '../../plugin-sdk/errors.js';
import type { CallContext, ChunkContext, Usage } from '../../plugin-sdk/hook-contexts.js';
import type { JsonObject } from '../../plugin-sdk/json.js';
import type { StreamEvent } from '../../plugin-sdk/provider.js';
import { KernelErrors, fromUpstream, toClientError } from '../errors.js';
import { toUpstreamError } from '../http/http-client.js';
import type { KernelHooks } from '../hooks.js';
import type { RegisteredDeployment } from '../models/model-registry.js';
import { assembleStream, responseToChunks } from './assemble-stream.js';
import { NO_USAGE, chunkHasUsage, readUsage } from './usage.js';

export interface StreamRelayInput {
  request: FastifyRequest;
  reply: FastifyReply;
  events: AsyncIterable<StreamEvent>;
  call: CallContext;
  deployment: RegisteredDeployment;
  endpoint: 'chat' | 'completions';
  stripUsage: boolean;
  hooks: KernelHooks;
  buffersStreams: boolean;
  scrub: (text: string) => string;
  upstreamStart: number;
  abort: AbortController;
}

export interface StreamOutcome {
  usage: Usage;
  upstreamMs: number;
  error?: SluiceError;
}

const DONE = 'data: [DONE]\n\n';

export async function relayStream(input: StreamRelayInput): Promise<StreamOutcome> {
  const { request, reply, deployment } = input;
  const res = reply.raw;
  const perChunk = input.hooks.postCallChunk.isUsed();
  let usage: Usage = NO_USAGE;
  let upstreamMs = 0;
  let headersSent = false;
  let index = 0;

  const sendHeaders = () => {
    headersSent = true;
    upstreamMs = performance.now() - input.upstreamStart;
    const overhead = (performance.now() - request.receivedAt - upstreamMs).toFixed(3);
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
      'x-litellm-call-id': request.id,
      'x-litellm-model-id': deployment.config.id,
      'x-litellm-overhead-duration-ms': overhead,
      'x-sluice-overhead-ms': overhead,
    });
  };

  const write = async (text: string) => {
    if (!headersSent) sendHeaders();
    if (res.destroyed) return;
    if (!res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };

  const emitChunk = async (chunk: JsonObject) => {
    if (perChunk) {
      const out = await input.hooks.postCallChunk.promise({ call: input.call, deployment: deployment.info, index: index++, chunk } as ChunkContext);
      if (out.chunk === null) return;
      chunk = out.chunk;
    }
    await write(`data: ${JSON.stringify(chunk)}\n\n`);
  };

  try {
    if (input.buffersStreams) {
      const chunks: JsonObject[] = [];
      for await (const ev of input.events) chunks.push(ev.json ?? (JSON.parse(ev.data) as JsonObject));
      upstreamMs = performance.now() - input.upstreamStart;
      const assembled = assembleStream(chunks, input.endpoint);
      usage = readUsage(assembled.usage);
      const before = JSON.stringify(assembled);
      const after = (await input.hooks.postCall.promise({ call: input.call, deployment: deployment.info, streamed: true, response: assembled })).response;
      const out = JSON.stringify(after) === before ? chunks : responseToChunks(after, input.endpoint);
      for (const chunk of out) {
        if (input.stripUsage && isUsageOnly(chunk)) continue;
        await emitChunk(chunk);
      }
    } else {
      for await (const ev of input.events) {
        const hasUsage = ev.json ? ev.json.usage != null : chunkHasUsage(ev.data);
        let json = ev.json;
        if (hasUsage) {
          json ??= JSON.parse(ev.data) as JsonObject;
          usage = readUsage(json.usage);
          if (input.stripUsage && isUsageOnly(json)) continue;
        }
        if (perChunk) await emitChunk(json ?? (JSON.parse(ev.data) as JsonObject));
        else await write(`data: ${ev.data}\n\n`);
        if (res.destroyed) break;
      }
    }
    if (!headersSent) sendHeaders();
    if (!res.destroyed) res.end(DONE);
    return { usage, upstreamMs };
  } catch (err) {
    if (input.abort.signal.aborted) return { usage, upstreamMs, error: KernelErrors.CLIENT_CLOSED() };
    const clientError = streamFailure(err, deployment, request.id);
    if (!headersSent) throw clientError; // nothing sent yet: the error handler answers with its status
    // Mid-stream: the status is gone; tell the client in-band, as OpenAI does, then end the stream.
    if (!res.destroyed) res.end(`data: ${input.scrub(JSON.stringify(clientError.toEnvelope()))}\n\n`);
    input.abort.abort();
    return { usage, upstreamMs, error: clientError };
  }
}

/** What went wrong while reading the provider's events, as the client should see it. */
function streamFailure(err: unknown, deployment: RegisteredDeployment, requestId: string): SluiceError {
  if (err instanceof SluiceError) return err; // a plugin's verdict on a chunk
  const provider = deployment.config.provider;
  if (err instanceof SyntaxError) return KernelErrors.UPSTREAM_BAD_RESPONSE({ provider, detail: `invalid JSON in stream (${err.message})` });
  const upstream = err instanceof UpstreamError ? err : toUpstreamError(err);
  if (upstream instanceof UpstreamError) {
    if (upstream.status === 0) return KernelErrors.UPSTREAM_BAD_RESPONSE({ provider, detail: `the stream broke off (${upstream.message})` });
    return fromUpstream(upstream, provider, deployment.config.streamTimeoutMs);
  }
  return toClientError(err, requestId);
}

function isUsageOnly(chunk: JsonObject): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
}
