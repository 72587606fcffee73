/**
 * A call's spans as plain records (ids, times, status, attributes). What is queued per call is
 * those spans already encoded for their destination (OTLP protobuf as base64, or OTLP JSON text):
 * one string per call is cheap to queue, to measure and to spill. The console exporter, and spill
 * files of earlier versions, queue the records themselves.
 */

export type AttributeValue = string | number | boolean;

/** OTel's SpanKind numbers (INTERNAL, SERVER, CLIENT). */
export const SPAN_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2 } as const;
/** OTel's SpanStatusCode numbers. */
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface SpanEventRecord {
  name: string;
  /** Epoch milliseconds. */
  time: number;
  attributes?: Attribute[];
}

/** One attribute as a `[key, value]` pair: a list is cheaper to build per call than an object of dotted keys. */
export type Attribute = [string, AttributeValue];

export interface SpanRecord {
  name: string;
  kind: number;
  /** 32 hex characters. */
  traceId: string;
  /** 16 hex characters. */
  spanId: string;
  /** Absent for a trace's root span. */
  parentSpanId?: string | undefined;
  traceFlags: number;
  traceState?: string | undefined;
  /** Epoch milliseconds (fractions kept). */
  start: number;
  end: number;
  status: { code: number; message?: string };
  /** In the order set; a later pair for the same key wins. */
  attributes: Attribute[];
  events?: SpanEventRecord[] | undefined;
}

/** One queued item: a call's spans (the litellm_request span first), encoded or as records. */
export type QueuedCall = { protobuf: string } | { json: string } | { spans: SpanRecord[] };
