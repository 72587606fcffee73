/**
 * W3C Trace Context (`traceparent` / `tracestate`, https://www.w3.org/TR/trace-context/): read what
 * the client sent so the call's span joins the client's trace, and write the header the provider
 * gets so its spans nest under the call's upstream span.
 */
import { randomFillSync } from 'node:crypto';

export interface ParentContext {
  traceId: string;
  spanId: string;
  /** The trace-flags byte; bit 0 is "sampled". */
  flags: number;
  traceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/** The client's span context from its headers, or undefined when absent or malformed (a new trace then starts). */
export function parseTraceparent(headers: Readonly<Record<string, string | string[] | undefined>> | undefined): ParentContext | undefined {
  const raw = first(headers?.traceparent);
  if (!raw) return undefined;
  const m = TRACEPARENT.exec(raw.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has nothing after the flags; later versions may.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId!) || ALL_ZERO.test(spanId!)) return undefined;
  const state = first(headers?.tracestate)?.trim();
  return { traceId: traceId!, spanId: spanId!, flags: parseInt(flags!, 16), ...(state ? { traceState: state } : {}) };
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
}

/** A random 16-byte trace id (hex), never all zero. */
export function newTraceId(): string {
  return nonZeroHex(16);
}

/** A random 8-byte span id (hex), never all zero. */
export function newSpanId(): string {
  return nonZeroHex(8);
}

// Ids are cut from a pool of random bytes refilled 4 KiB at a time: one randomFillSync per ~170
// calls instead of a crypto call per id (preCall allocates two per call).
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function nonZeroHex(bytes: number): string {
  for (;;) {
    if (poolAt + bytes > POOL.length) {
      randomFillSync(POOL);
      poolAt = 0;
    }
    const id = POOL.toString('hex', poolAt, poolAt + bytes);
    poolAt += bytes;
    if (!ALL_ZERO.test(id)) return id;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
