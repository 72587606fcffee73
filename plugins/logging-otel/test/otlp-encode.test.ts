/**
 * The hand-written OTLP encodings (otlp-encode.ts) against OpenTelemetry's own exporters: the same
 * spans exported both ways reach the receiver identical, in protobuf and in JSON, for a batch of
 * several calls, for the shapes that stress an encoder (multi-byte lengths, non-ASCII text,
 * negative and fractional numbers, a parent, a tracestate, an event), and for a call queued as
 * records by an earlier version (a spill file read back).
 */
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../src/destinations.js';
import { queuedCall, readableSpan, SpanSender } from '../src/otlp-export.js';
import type { SpanRecord } from '../src/span-record.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

const RESOURCE = { 'service.name': 'encode-proof', 'deployment.environment': 'test' };
const SCOPE = { name: 'litellm', version: '1.0.0' };

function callRecords(n: number): SpanRecord[] {
  const traceId = `${n.toString(16).padStart(2, '0')}f7651916cd43dd8448eb211c80319c`;
  const long = 'x'.repeat(20_000); // a three-byte length
  return [
    {
      name: 'litellm_request', kind: 0, traceId, spanId: `b7ad6b71692033${n.toString(16).padStart(2, '0')}`, parentSpanId: '00f067aa0ba902b7',
      traceFlags: 1, traceState: 'vendor=1,other=two', start: 1_765_112_345_678.123_4, end: 1_765_112_345_999.9, status: { code: 2, message: 'bad “gateway” ✗' },
      attributes: [['metadata.user_api_key_hash', ''], ['gen_ai.usage.input_tokens', 10], ['neg', -5], ['gen_ai.cost.total_cost', 0.000123], ['ok', true], ['llm.is_streaming', 'False'],
        ['gen_ai.input.messages', `[{"role":"user","content":"héllo ${'ü'.repeat(100)}"}]`], ['hidden_params', long]],
      events: [{ name: 'exception', time: 1_765_112_345_999.9, attributes: [['exception.type', 'BadGatewayError'], ['exception.message', 'upstream said 502']] }],
    },
    {
      name: 'raw_gen_ai_request', kind: 2, traceId, spanId: `c7ad6b71692033${n.toString(16).padStart(2, '0')}`, parentSpanId: `b7ad6b71692033${n.toString(16).padStart(2, '0')}`,
      traceFlags: 1, start: 1_765_112_345_700, end: 1_765_112_345_999.9, status: { code: 1 }, attributes: [['server.port', 39111], ['server.address', '127.0.0.1']],
    },
    {
      name: 'gateway_overhead', kind: 0, traceId, spanId: `d7ad6b71692033${n.toString(16).padStart(2, '0')}`, parentSpanId: `b7ad6b71692033${n.toString(16).padStart(2, '0')}`,
      traceFlags: 1, start: 1_765_112_345_678.123_4, end: 1_765_112_345_700, status: { code: 0 }, attributes: [['litellm_overhead_time_ms', 21.877]],
    },
  ];
}

function officialExport(exporter: SpanExporter, records: SpanRecord[]): Promise<void> {
  const resource = resourceFromAttributes(RESOURCE);
  return new Promise((resolve, reject) =>
    exporter.export(records.map((r) => readableSpan(r, resource, SCOPE)), (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}

const received = (path: string) =>
  receiver.spans.filter((s) => s.path === path).map(({ path: _p, headers: _h, ...span }) => span);

describe.each([
  ['protobuf', (url: string) => new OTLPProtoTraceExporter({ url })],
  ['json', (url: string) => new OTLPJsonTraceExporter({ url })],
] as const)('OTLP %s encoding', (encoding, official) => {
  it("sends a batch of calls exactly as OpenTelemetry's exporter does, older queued records included", async () => {
    const calls = [callRecords(1), callRecords(2), callRecords(3)];
    const exporter = official(`${receiver.url}/official-${encoding}/v1/traces`);
    await officialExport(exporter, calls.flat());
    await exporter.shutdown();

    const destination: Destination = { integration: 'otel', exporter: 'otlp_http', url: `${receiver.url}/ours-${encoding}/v1/traces`, encoding, headers: { 'x-proof': 'yes' }, resource: RESOURCE, tracerName: SCOPE.name, warnings: [] };
    const sender = new SpanSender(destination, 5_000);
    // The last call as an earlier version queued it (records, read back from a spill file).
    await sender.send([queuedCall(destination, calls[0]!), queuedCall(destination, calls[1]!), JSON.parse(JSON.stringify({ spans: calls[2] }))]);

    const ours = received(`/ours-${encoding}/v1/traces`);
    expect(ours).toHaveLength(9);
    expect(ours).toEqual(received(`/official-${encoding}/v1/traces`));
    const request = receiver.requests.find((r) => r.path === `/ours-${encoding}/v1/traces`)!;
    expect(request.headers['content-type']).toBe(encoding === 'json' ? 'application/json' : 'application/x-protobuf');
    expect(request.headers['x-proof']).toBe('yes');
  });

  it('a refused export rejects (so the delivery retries it)', async () => {
    const destination: Destination = { integration: 'otel', exporter: 'otlp_http', url: `${receiver.url}/refused/v1/traces`, encoding, headers: {}, resource: RESOURCE, tracerName: SCOPE.name, warnings: [] };
    receiver.failNext.push(503);
    await expect(new SpanSender(destination, 5_000).send([queuedCall(destination, callRecords(4))])).rejects.toThrow(/HTTP 503/);
  });
});
