/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A local OTLP/HTTP trace receiver: decodes what an OTLP exporter posts (`ExportTraceServiceRequest`
 * in OTLP's JSON encoding, application/json) into flat spans, and records each request's path and
 * headers. It can be stopped and started again on the same port (a collector that goes away and
 * comes back). Both OTLP/HTTP encodings are read: JSON (application/json) and protobuf
 * (application/x-protobuf, decoded by otlp-protobuf.ts); anything else is refused with 415.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTraceRequest } from './otlp-protobuf.js';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's kind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  status: { code: number; message?: string };
  attributes: Record<string, Value>;
  events: { name: string; attributes: Record<string, Value> }[];
  traceState: string;
  resource: Record<string, Value>;
  scope: { name: string; version?: string };
  /** The request path it arrived on, and that request's headers. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as text (JSON), or its decoded JSON form (protobuf): what a content check searches. */
  text: string;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  requests: ReceivedRequest[];
  /** Answers to give instead of 200 (each used once): e.g. 503. */
  failNext: number[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** OTLP JSON AnyValue → a plain value. */
export function anyValue(v: any): Value {
  if (!v || typeof v !== 'object') return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (v.arrayValue?.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return keyValues(v.kvlistValue?.values);
  return null;
}

function keyValues(list: any[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** Decodes an OTLP JSON ExportTraceServiceRequest. */
export function decodeTraces(body: any, path: string, headers: IncomingHttpHeaders): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = keyValues(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
          attributes: keyValues(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: keyValues(e.attributes) })),
          traceState: s.traceState ?? '',
          resource,
          scope: ss.scope ?? { name: '' },
          path,
          headers,
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let server: Server | undefined;
  let port = 0;
  const receiver: OtlpReceiver = {
    url: '',
    spans: [],
    requests: [],
    failNext: [],
    async start() {
      server = createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(parts);
          const path = req.url ?? '/';
          const type = String(req.headers['content-type']);
          let decoded: unknown;
          let text = raw.toString('utf8');
          try {
            if (type.startsWith('application/json')) decoded = JSON.parse(text);
            else if (type.startsWith('application/x-protobuf')) {
              decoded = decodeTraceRequest(raw);
              text = JSON.stringify(decoded, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
            }
          } catch {
            decoded = undefined;
          }
          receiver.requests.push({ path, headers: req.headers, text });
          const fail = receiver.failNext.shift();
          if (fail !== undefined) {
            res.writeHead(fail, { 'content-type': 'application/json' }).end('{}');
            return;
          }
          if (!type.startsWith('application/json') && !type.startsWith('application/x-protobuf')) {
            res.writeHead(415).end();
            return;
          }
          if (decoded === undefined) {
            res.writeHead(400).end();
            return;
          }
          receiver.spans.push(...decodeTraces(decoded, path, req.headers));
          // An ExportTraceServiceResponse with nothing rejected (empty in both encodings).
          if (type.startsWith('application/x-protobuf')) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close() {
      return receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}
