/** Answers of deployments that serve the Responses API themselves: relayed as they are. */
import type { JsonObject, RouteResult } from '@sluice/plugin-sdk';
import { answerHeaders, chargeCall, keepResponse, type CallFinish } from './call-finish.js';
import { NativeStreamTap } from './native-stream.js';
import { chatUsageOf } from './response-object.js';
import { sseEvent } from './chat-stream-to-events.js';

export async function nativeJsonAnswer(f: CallFinish): Promise<RouteResult> {
  const response = f.result.response;
  if (response.kind !== 'json') throw new Error(`api-responses: a ${response.kind} answer to a non-streamed call`);
  const body = response.body;
  const id = typeof body.id === 'string' ? body.id : undefined;
  const cost = chargeCall(f, chatUsageOf(body.usage), id, { ok: true, httpStatus: response.status });
  if (id) await keepResponse(f, id, body, true);
  return { status: response.status, headers: answerHeaders(f, cost), ...(response.raw !== undefined ? { contentType: 'application/json', body: response.raw } : { body }) };
}

export function relayNativeStream(f: CallFinish): RouteResult {
  const tap = new NativeStreamTap();
  const encoder = new TextEncoder();
  async function* relay(): AsyncGenerator<Uint8Array> {
    let completed = false;
    try {
      yield* tap.relay(f.result.response);
      completed = true;
    } catch (err) {
      // The upstream broke off: the client gets OpenAI's error event instead of a silent end.
      yield encoder.encode(sseEvent('error', { type: 'error', code: 'server_error', message: `upstream stream failed: ${(err as Error).message}`, param: null }));
      chargeCall(f, chatUsageOf(tap.final?.usage), tap.id, { ok: false, httpStatus: 502, errorCode: 'upstream_stream_error' });
      return;
    }
    if (completed) {
      const failed = tap.final?.status === 'failed';
      chargeCall(f, chatUsageOf(tap.final?.usage), tap.id, failed ? { ok: false, httpStatus: 500, errorCode: errorCodeOf(tap.final) } : { ok: true, httpStatus: 200 });
      if (tap.id) await keepResponse(f, tap.id, tap.final, true);
    }
  }
  return { status: 200, headers: { ...answerHeaders(f), 'cache-control': 'no-cache' }, contentType: 'text/event-stream', stream: relay() };
}

function errorCodeOf(response: JsonObject | undefined): string {
  const error = response?.error;
  return error && typeof error === 'object' && !Array.isArray(error) && typeof error.code === 'string' ? error.code : 'response_failed';
}
