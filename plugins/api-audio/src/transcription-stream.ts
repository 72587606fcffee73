/**
 * A streamed transcription (`stream=true`, gpt-4o-transcribe): the upstream's SSE events
 * (`transcript.text.delta`…, then `transcript.text.done` with the call's `usage`) are relayed as
 * they arrive, and the call is recorded once when the stream ends, priced from that usage.
 */
import type { JsonObject, ModelCallResult, ProviderFile, RouteRequest, RouteSpend } from '@sluice/plugin-sdk';
import { transcriptionUsage } from './transcription-answer.js';

/** An event longer than this is not one we read for usage (the relay itself is not bounded by it). */
const MAX_EVENT_CHARS = 1024 * 1024;

/** Finds the last `usage` object among the SSE events of a stream, fed chunk by chunk. */
export class StreamUsageScanner {
  private pending = '';
  private readonly decoder = new TextDecoder();
  /** The `usage` of the last event that carried one. */
  usage: JsonObject | undefined;

  push(chunk: Uint8Array): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = this.pending.search(/\r?\n\r?\n/)) !== -1) {
      this.read(this.pending.slice(0, end));
      this.pending = this.pending.slice(end).replace(/^\r?\n\r?\n/, '');
    }
    // An unterminated event this long is not JSON we want: drop it rather than grow without bound.
    if (this.pending.length > MAX_EVENT_CHARS) this.pending = '';
  }

  private read(event: string): void {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data.includes('"usage"')) return;
    try {
      const parsed = JSON.parse(data) as { usage?: unknown };
      if (parsed.usage && typeof parsed.usage === 'object' && !Array.isArray(parsed.usage)) this.usage = parsed.usage as JsonObject;
    } catch {
      // Not JSON: relayed all the same, just not read.
    }
  }
}

/** The events as they arrive; the call is recorded when the relay ends, however it ends. */
export async function* relayTranscriptionStream(
  req: RouteRequest,
  result: ModelCallResult,
  events: AsyncIterable<Uint8Array>,
  file: ProviderFile,
  spend: RouteSpend,
): AsyncGenerator<Uint8Array> {
  const scanner = new StreamUsageScanner();
  let outcome: Pick<RouteSpend, 'status' | 'httpStatus' | 'errorCode'> = { status: 'failure', httpStatus: 499, errorCode: 'SLUICE_ERR_CLIENT_CLOSED' };
  let firstAt: number | undefined;
  try {
    for await (const chunk of events) {
      firstAt ??= Date.now();
      scanner.push(chunk);
      yield chunk;
    }
    outcome = { status: 'success', httpStatus: spend.httpStatus };
  } catch (err) {
    if (!req.signal?.aborted) outcome = { status: 'failure', httpStatus: 502, errorCode: 'SLUICE_ERR_UPSTREAM_ERROR' };
    throw err;
  } finally {
    // Priced from what the upstream reported (tokens), else from the file's own length.
    const usage = transcriptionUsage({ status: spend.httpStatus, contentType: 'text/event-stream', text: '', json: scanner.usage ? { usage: scanner.usage } : {} }, file);
    req.recordSpend!({ ...spend, ...outcome, usage, cost: result.price(usage), firstTokenAt: firstAt ?? result.answeredAt });
  }
}
