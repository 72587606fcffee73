/**
 * Decodes OTLP's protobuf ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) into
 * the same JSON shape the OTLP JSON encoding has, so the receiver reads both encodings alike. A
 * plain protobuf wire-format reader: only the fields of the trace messages are mapped; others are
 * skipped as the format allows.
 */

type Field = { no: number; wire: number; value: bigint | Buffer };

function readVarint(buf: Buffer, at: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const at = { i: 0 };
  while (at.i < buf.length) {
    const key = Number(readVarint(buf, at));
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: readVarint(buf, at) });
    else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(at.i) });
      at.i += 8;
    } else if (wire === 2) {
      const len = Number(readVarint(buf, at));
      out.push({ no, wire, value: buf.subarray(at.i, at.i + len) });
      at.i += len;
    } else if (wire === 5) {
      out.push({ no, wire, value: BigInt(buf.readUInt32LE(at.i)) });
      at.i += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytes = (f: Field) => f.value as Buffer;
const str = (f: Field) => bytes(f).toString('utf8');
const all = (fs: Field[], no: number) => fs.filter((f) => f.no === no);
const one = (fs: Field[], no: number) => fs.find((f) => f.no === no);

function anyValue(buf: Buffer): Record<string, unknown> {
  const f = fields(buf)[0];
  if (!f) return {};
  switch (f.no) {
    case 1:
      return { stringValue: str(f) };
    case 2:
      return { boolValue: f.value === 1n };
    case 3:
      return { intValue: BigInt.asIntN(64, f.value as bigint).toString() };
    case 4: {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(f.value as bigint);
      return { doubleValue: b.readDoubleLE() };
    }
    case 5:
      return { arrayValue: { values: all(fields(bytes(f)), 1).map((v) => anyValue(bytes(v))) } };
    case 6:
      return { kvlistValue: { values: all(fields(bytes(f)), 1).map((kv) => keyValue(bytes(kv))) } };
    default:
      return {};
  }
}

function keyValue(buf: Buffer): { key: string; value: Record<string, unknown> } {
  const fs = fields(buf);
  const k = one(fs, 1);
  const v = one(fs, 2);
  return { key: k ? str(k) : '', value: v ? anyValue(bytes(v)) : {} };
}

const attributes = (fs: Field[], no: number) => all(fs, no).map((f) => keyValue(bytes(f)));

function span(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const hex = (no: number) => (one(fs, no) ? bytes(one(fs, no)!).toString('hex') : '');
  const status = one(fs, 15) ? fields(bytes(one(fs, 15)!)) : [];
  return {
    traceId: hex(1),
    spanId: hex(2),
    traceState: one(fs, 3) ? str(one(fs, 3)!) : '',
    parentSpanId: hex(4),
    name: one(fs, 5) ? str(one(fs, 5)!) : '',
    kind: Number((one(fs, 6)?.value as bigint | undefined) ?? 0n),
    startTimeUnixNano: String((one(fs, 7)?.value as bigint | undefined) ?? 0n),
    endTimeUnixNano: String((one(fs, 8)?.value as bigint | undefined) ?? 0n),
    attributes: attributes(fs, 9),
    events: all(fs, 11).map((e) => {
      const ef = fields(bytes(e));
      return { name: one(ef, 2) ? str(one(ef, 2)!) : '', attributes: attributes(ef, 3) };
    }),
    status: {
      ...(one(status, 2) ? { message: str(one(status, 2)!) } : {}),
      code: Number((one(status, 3)?.value as bigint | undefined) ?? 0n),
    },
  };
}

/** An ExportTraceServiceRequest's bytes → its OTLP JSON form (`{resourceSpans: [...]}`). */
export function decodeTraceRequest(buf: Buffer): { resourceSpans: unknown[] } {
  return {
    resourceSpans: all(fields(buf), 1).map((rs) => {
      const rf = fields(bytes(rs));
      const resource = one(rf, 1);
      return {
        resource: { attributes: resource ? attributes(fields(bytes(resource)), 1) : [] },
        scopeSpans: all(rf, 2).map((ss) => {
          const sf = fields(bytes(ss));
          const scope = one(sf, 1) ? fields(bytes(one(sf, 1)!)) : [];
          return {
            scope: { name: one(scope, 1) ? str(one(scope, 1)!) : '', ...(one(scope, 2) ? { version: str(one(scope, 2)!) } : {}) },
            spans: all(sf, 2).map((s) => span(bytes(s))),
          };
        }),
      };
    }),
  };
}
