/**
 * OTLP trace encodings written by hand for the few fields our spans use (opentelemetry-proto's
 * trace/v1 and common/v1 messages), so a call's spans are encoded once, when the call is recorded,
 * and queued as one string: a batch is then the resource and scope header around the queued spans,
 * with no per-span objects or serializer walk at send time. Protobuf's repeated `Span` field
 * concatenates, and so does a JSON array's text: each call's encoded spans are a ready slice of
 * the batch body.
 */
import type { Attribute, SpanRecord } from './span-record.js';

/** Grows as needed; nested messages reserve one length byte and shift when the content needs more. */
class ProtoWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint64(v: bigint): void {
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** Opens a length-delimited field; `end` writes its length. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    let extra = 0;
    for (let v = len; v > 0x7f; v = Math.floor(v / 128)) extra++;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let v = len;
    let i = at;
    while (v > 0x7f) {
      this.buf[i++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[i] = v;
  }

  string(field: number, s: string): void {
    const at = this.begin(field);
    this.ensure(s.length * 3);
    // Short ASCII strings (most keys and values) byte by byte: cheaper than a call into Buffer.write.
    if (s.length <= SHORT_STRING) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          pos = -1;
          break;
        }
        buf[pos++] = c;
      }
      if (pos >= 0) {
        this.pos = pos;
        this.end(at);
        return;
      }
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.end(at);
  }

  /**
   * A string field whose text repeats call after call (an attribute key): its encoded bytes are
   * kept and copied, not re-encoded character by character.
   */
  cached(field: number, s: string): void {
    let bytes = ENCODED.get(s);
    if (bytes === undefined) {
      const at = this.pos;
      this.string(field, s);
      if (ENCODED.size >= MAX_ENCODED || field !== 1) return;
      bytes = this.buf.slice(at, this.pos);
      ENCODED.set(s, new Uint8Array(bytes));
      return;
    }
    this.copy(bytes);
  }

  /** Bytes encoded earlier. */
  copy(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** An id in hex (16 or 32 lower-case characters) as its bytes. */
  hex(field: number, s: string): void {
    const at = this.begin(field);
    this.ensure(s.length >> 1);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i += 2) buf[pos++] = (HEX[s.charCodeAt(i)]! << 4) | HEX[s.charCodeAt(i + 1)]!;
    this.pos = pos;
    this.end(at);
  }

  fixed32(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /**
   * Epoch milliseconds (with fractions) as fixed64 nanoseconds, in two 32-bit halves computed
   * exactly with doubles (seconds split in 16-bit halves so no product passes 2^53; no BigInt).
   */
  nanos(field: number, ms: number): void {
    this.tag(field, 1);
    this.ensure(8);
    const seconds = Math.floor(ms / 1000);
    const nanos = Math.round((ms - seconds * 1000) * 1e6);
    const high = Math.floor(seconds / 65536) * 1e9;
    const low = (high % 65536) * 65536 + (seconds % 65536) * 1e9 + nanos;
    this.buf.writeUInt32LE(low % 4294967296, this.pos);
    this.buf.writeUInt32LE(Math.floor(high / 65536) + Math.floor(low / 4294967296), this.pos + 4);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  base64(): string {
    return this.buf.toString('base64', 0, this.pos);
  }
}

const SHORT_STRING = 64;
/** Encoded attribute keys (`KeyValue.key`, field 1), bounded: keys with indexes or metadata names may vary. */
const ENCODED = new Map<string, Uint8Array>();
const MAX_ENCODED = 2_000;
/** Hex digit values by character code (0-9, a-f, A-F). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

function msToNanos(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** KeyValue { key = 1; AnyValue value = 2 { string 1 | bool 2 | int64 3 | double 4 } }. */
function writeAttribute(w: ProtoWriter, field: number, key: string, value: string | number | boolean): void {
  const kv = w.begin(field);
  w.cached(1, key);
  const any = w.begin(2);
  if (typeof value === 'string') w.string(1, value);
  else if (typeof value === 'boolean') {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  } else if (Number.isSafeInteger(value) && value >= 0) {
    w.tag(3, 0);
    w.varint(value);
  } else if (Number.isSafeInteger(value)) {
    // A negative int64 is ten bytes of two's complement: rare (a negative token count), so BigInt.
    w.tag(3, 0);
    w.varint64(BigInt.asUintN(64, BigInt(value)));
  } else w.double(4, value);
  w.end(any);
  w.end(kv);
}

/** The pairs as they are: call-spans.ts sets each key once (Attributes.replace where two setters share one). */
function writeAttributes(w: ProtoWriter, field: number, attributes: readonly Attribute[]): void {
  for (let i = 0; i < attributes.length; i++) writeAttribute(w, field, attributes[i]![0], attributes[i]![1]);
}

/** OTel's SpanKind (INTERNAL 0…) is OTLP's minus one (OTLP keeps 0 for UNSPECIFIED). */
const OTLP_KIND_OFFSET = 1;
/** OTLP's SpanFlags: the trace flags, and "is_remote is known" (0x100) with "the parent is remote" (0x200). */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

const writer = new ProtoWriter();

/** The call's spans as concatenated protobuf `Span` messages (field 2 of ScopeSpans), ready to splice into a request. */
export function protobufSpans(spans: readonly SpanRecord[]): Buffer {
  writeSpans(writer, spans);
  return writer.take();
}

/** `protobufSpans` as base64, what a queue holds (straight from the writer's buffer, no copy). */
export function protobufSpansBase64(spans: readonly SpanRecord[]): string {
  writeSpans(writer, spans);
  return writer.base64();
}

function writeSpans(w: ProtoWriter, spans: readonly SpanRecord[]): void {
  w.reset();
  for (const s of spans) {
    const span = w.begin(2);
    w.hex(1, s.traceId);
    w.hex(2, s.spanId);
    if (s.traceState) w.string(3, s.traceState);
    if (s.parentSpanId) w.hex(4, s.parentSpanId);
    w.string(5, s.name);
    w.tag(6, 0);
    w.varint(s.kind + OTLP_KIND_OFFSET);
    w.nanos(7, s.start);
    w.nanos(8, Math.max(s.end, s.start));
    writeAttributes(w, 9, s.attributes);
    for (const e of s.events ?? []) {
      const event = w.begin(11);
      w.nanos(1, e.time);
      w.string(2, e.name);
      writeAttributes(w, 3, e.attributes ?? []);
      w.end(event);
    }
    const status = w.begin(15);
    if (s.status.message !== undefined) w.string(2, s.status.message);
    if (s.status.code !== 0) {
      w.tag(3, 0);
      w.varint(s.status.code);
    }
    w.end(status);
    w.fixed32(16, (s.traceFlags & 0xff) | HAS_IS_REMOTE | (s.parentSpanId && isRemoteParent(s, spans) ? IS_REMOTE : 0));
    w.end(span);
  }
}

/** Only the request span's parent (the client's span) is remote; its children's parent is in the same call. */
function isRemoteParent(s: SpanRecord, spans: readonly SpanRecord[]): boolean {
  return !spans.some((o) => o.spanId === s.parentSpanId);
}

/** A whole ExportTraceServiceRequest: one resource and scope around the calls' encoded spans (`protobufSpans` slices). */
export function protobufRequest(resource: Readonly<Record<string, string>>, scope: { name: string; version: string }, spans: readonly Buffer[]): Buffer {
  let spansLength = 0;
  for (const s of spans) spansLength += s.length;
  const head = new ProtoWriter();
  // ScopeSpans: scope (1), then the spans (2).
  const scopeBytes = new ProtoWriter();
  const sc = scopeBytes.begin(1);
  scopeBytes.string(1, scope.name);
  scopeBytes.string(2, scope.version);
  scopeBytes.end(sc);
  const resourceBytes = new ProtoWriter();
  const rs = resourceBytes.begin(1);
  for (const k in resource) writeAttribute(resourceBytes, 1, k, resource[k]!);
  resourceBytes.end(rs);
  const scopeSpansLength = scopeBytes.pos + spansLength;
  // ExportTraceServiceRequest.resource_spans (1) { resource (1), scope_spans (2) { … } }.
  const scopeSpansHeader = lengthHeader(2, scopeSpansLength);
  const resourceSpansLength = resourceBytes.pos + scopeSpansHeader.length + scopeSpansLength;
  head.tag(1, 2);
  head.varint(resourceSpansLength);
  return Buffer.concat([head.take(), resourceBytes.take(), scopeSpansHeader, scopeBytes.take(), ...spans]);
}

function lengthHeader(field: number, length: number): Buffer {
  const w = new ProtoWriter();
  w.tag(field, 2);
  w.varint(length);
  return w.take();
}

/** OTLP JSON (ids in hex, times as decimal strings), as OpenTelemetry JS's JSON exporter writes it. */
export function jsonSpans(spans: readonly SpanRecord[]): string {
  let out = '';
  for (const s of spans) {
    if (out) out += ',';
    out +=
      `{"traceId":"${s.traceId}","spanId":"${s.spanId}"` +
      (s.traceState ? `,"traceState":${JSON.stringify(s.traceState)}` : '') +
      (s.parentSpanId ? `,"parentSpanId":"${s.parentSpanId}"` : '') +
      `,"flags":${(s.traceFlags & 0xff) | HAS_IS_REMOTE | (s.parentSpanId && isRemoteParent(s, spans) ? IS_REMOTE : 0)}` +
      `,"name":${JSON.stringify(s.name)},"kind":${s.kind + OTLP_KIND_OFFSET}` +
      `,"startTimeUnixNano":"${msToNanos(s.start)}","endTimeUnixNano":"${msToNanos(Math.max(s.end, s.start))}"` +
      `,"attributes":${jsonAttributes(s.attributes)},"droppedAttributesCount":0` +
      `,"events":[${(s.events ?? []).map((e) => `{"timeUnixNano":"${msToNanos(e.time)}","name":${JSON.stringify(e.name)},"attributes":${jsonAttributes(e.attributes ?? [])},"droppedAttributesCount":0}`).join(',')}],"droppedEventsCount":0` +
      `,"status":${JSON.stringify(s.status.message !== undefined ? { code: s.status.code, message: s.status.message } : { code: s.status.code })}` +
      `,"links":[],"droppedLinksCount":0}`;
  }
  return out;
}

function jsonAttributes(attributes: readonly Attribute[]): string {
  let out = '[';
  for (const [key, value] of attributes) {
    if (out.length > 1) out += ',';
    out += `{"key":${JSON.stringify(key)},"value":${jsonValue(value)}}`;
  }
  return out + ']';
}

function jsonValue(value: string | number | boolean): string {
  if (typeof value === 'string') return `{"stringValue":${JSON.stringify(value)}}`;
  if (typeof value === 'boolean') return `{"boolValue":${value}}`;
  return Number.isSafeInteger(value) ? `{"intValue":${value}}` : `{"doubleValue":${value}}`;
}

/** An OTLP JSON ExportTraceServiceRequest around already encoded spans (`jsonSpans` slices). */
export function jsonRequest(resource: Readonly<Record<string, string>>, scope: { name: string; version: string }, spans: readonly string[]): string {
  return (
    `{"resourceSpans":[{"resource":{"attributes":${jsonAttributes(Object.entries(resource))},"droppedAttributesCount":0},` +
    `"scopeSpans":[{"scope":${JSON.stringify(scope)},"spans":[${spans.filter((s) => s !== '').join(',')}]}]}]}`
  );
}
