/**
 * Sends queued calls to one destination. OTLP/HTTP: the calls' spans were encoded when they were
 * recorded (otlp-encode.ts); a batch is one POST of an ExportTraceServiceRequest — protobuf
 * (application/x-protobuf, what LiteLLM's Python exporter sends) or JSON (`http/json`) — whose
 * body is the resource and scope around the queued slices. Console: the records become
 * ReadableSpans for OpenTelemetry's ConsoleSpanExporter (a development aid, not a hot path).
 * A failed export rejects, so LogDelivery retries the batch (and spills it when it must).
 */
import type { HrTime, SpanContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ConsoleSpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import type { Destination } from './destinations.js';
import { jsonRequest, jsonSpans, protobufRequest, protobufSpans, protobufSpansBase64 } from './otlp-encode.js';
import type { QueuedCall, SpanRecord } from './span-record.js';

const EXPORTER_VERSION = '1.0.0';
/** What a destination's answer body is read up to, for the error message of a refused export. */
const ERROR_BODY_CHARS = 300;

/** A call's spans as the destination's delivery queues them (encoded once, here, at record time). */
export function queuedCall(destination: Destination, spans: readonly SpanRecord[]): QueuedCall {
  if (destination.exporter === 'console') return { spans: spans as SpanRecord[] };
  if (destination.encoding === 'json') return { json: jsonSpans(spans) };
  return { protobuf: protobufSpansBase64(spans) };
}

export class SpanSender {
  private readonly scope: { name: string; version: string };
  private console: ConsoleSpanExporter | undefined;

  constructor(
    private readonly destination: Destination,
    private readonly timeoutMillis: number,
  ) {
    this.scope = { name: destination.tracerName, version: EXPORTER_VERSION };
    if (destination.exporter === 'console') this.console = new ConsoleSpanExporter();
  }

  /** Exports the calls' spans; rejects when the destination did not take them. */
  async send(calls: readonly QueuedCall[], signal?: AbortSignal): Promise<void> {
    if (calls.length === 0) return;
    if (this.console) return this.print(calls.flatMap(recordsOf));
    const json = this.destination.encoding === 'json';
    const body = json
      ? jsonRequest(this.destination.resource, this.scope, calls.map((c) => ('json' in c ? c.json : jsonSpans(recordsOf(c)))))
      : protobufRequest(this.destination.resource, this.scope, calls.map((c) => ('protobuf' in c ? Buffer.from(c.protobuf, 'base64') : protobufSpans(recordsOf(c)))));
    const res = await request(this.destination.url!, {
      method: 'POST',
      headers: { ...this.destination.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' },
      body,
      headersTimeout: this.timeoutMillis,
      bodyTimeout: this.timeoutMillis,
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMillis)]) : AbortSignal.timeout(this.timeoutMillis),
    });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      await res.body.dump();
      return;
    }
    const text = (await res.body.text().catch(() => '')).slice(0, ERROR_BODY_CHARS);
    throw new Error(`OTLP export to ${this.destination.url} failed: HTTP ${res.statusCode}${text ? ` ${text}` : ''}`);
  }

  async shutdown(): Promise<void> {
    await this.console?.shutdown();
  }

  private print(records: readonly SpanRecord[]): Promise<void> {
    const resource = resourceFromAttributes(this.destination.resource);
    const spans = records.map((r) => readableSpan(r, resource, this.scope));
    return new Promise((resolve, reject) => {
      this.console!.export(spans, (result: ExportResult) => {
        if (result.code === ExportResultCode.SUCCESS) resolve();
        else reject(result.error ?? new Error('console export failed'));
      });
    });
  }
}

/** The records of a call queued as records (console, or a spill file of an earlier version); [] for anything unreadable. */
function recordsOf(call: QueuedCall): SpanRecord[] {
  return 'spans' in call && Array.isArray(call.spans) ? call.spans : [];
}

export function readableSpan(r: SpanRecord, resource: ReadableSpan['resource'], scope: { name: string; version: string }): ReadableSpan {
  const context: SpanContext = { traceId: r.traceId, spanId: r.spanId, traceFlags: r.traceFlags, ...(r.traceState ? { traceState: new StaticTraceState(r.traceState) } : {}) };
  const parent: SpanContext | undefined = r.parentSpanId ? { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: r.traceFlags, isRemote: true } : undefined;
  return {
    name: r.name,
    kind: r.kind,
    spanContext: () => context,
    parentSpanContext: parent,
    startTime: hrTime(r.start),
    endTime: hrTime(Math.max(r.end, r.start)),
    duration: hrTime(Math.max(r.end, r.start) - r.start),
    status: r.status.message !== undefined ? { code: r.status.code, message: r.status.message } : { code: r.status.code },
    attributes: Object.fromEntries(r.attributes),
    links: [],
    events: (r.events ?? []).map((e) => ({ name: e.name, time: hrTime(e.time), attributes: Object.fromEntries(e.attributes ?? []), droppedAttributesCount: 0 })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Epoch milliseconds (with fractions) → OTel's [seconds, nanoseconds]. */
export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/** The client's `tracestate`, passed through as received (the exporter only serialises it). */
class StaticTraceState {
  constructor(private readonly text: string) {}
  set(): StaticTraceState {
    return this;
  }
  unset(): StaticTraceState {
    return this;
  }
  get(): string | undefined {
    return undefined;
  }
  serialize(): string {
    return this.text;
  }
}
