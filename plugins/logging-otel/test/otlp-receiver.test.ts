/**
 * The fake collector, proven with OpenTelemetry's own SDK first: spans made by a (non-global)
 * BasicTracerProvider and sent by the official OTLP/HTTP exporters (JSON and protobuf) arrive
 * decoded the same way, with their ids,
 * parent, attributes, status, events, resource and the exporter's headers. The plugin's tests
 * then rely on this receiver.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

describe('the OTLP receiver, driven by the official exporter', () => {
  it('decodes spans, parents, attributes, status, events and resource, and records the headers', async () => {
    const exporter = new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, headers: { 'x-honeycomb-team': 'team-key' } });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'receiver-proof' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('proof', '9.9.9');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { 'gen_ai.system': 'openai', tokens: 42, ratio: 0.5, ok: true, list: ['a', 'b'] } });
    const child = tracer.startSpan('child', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.addEvent('exception', { 'exception.message': 'boom' });
    child.end();
    parent.end();
    await provider.forceFlush();
    await provider.shutdown();

    expect(receiver.requests[0]!.path).toBe('/v1/traces');
    expect(receiver.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(receiver.requests[0]!.headers['x-honeycomb-team']).toBe('team-key');
    const p = receiver.spans.find((s) => s.name === 'parent')!;
    const c = receiver.spans.find((s) => s.name === 'child')!;
    expect(p.traceId).toBe(parent.spanContext().traceId);
    expect(p.spanId).toBe(parent.spanContext().spanId);
    expect(p.parentSpanId).toBe('');
    expect(c.parentSpanId).toBe(p.spanId);
    expect(c.traceId).toBe(p.traceId);
    expect(p.kind).toBe(2);
    expect(c.kind).toBe(3);
    expect(p.attributes).toEqual({ 'gen_ai.system': 'openai', tokens: 42, ratio: 0.5, ok: true, list: ['a', 'b'] });
    expect(c.status).toEqual({ code: 2, message: 'boom' });
    expect(c.events).toEqual([{ name: 'exception', attributes: { 'exception.message': 'boom' } }]);
    expect(p.resource['service.name']).toBe('receiver-proof');
    expect(p.scope).toMatchObject({ name: 'proof', version: '9.9.9' });
    expect(p.endNs).toBeGreaterThanOrEqual(p.startNs);
  });

  it('decodes the official protobuf exporter\'s requests the same way', async () => {
    const before = receiver.spans.length;
    const exporter = new OTLPProtoTraceExporter({ url: `${receiver.url}/proto/v1/traces`, headers: { authorization: 'Bearer proto-key' } });
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'proto-proof' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('proto', '1.2.3');
    const parent = tracer.startSpan('p-parent', { kind: SpanKind.SERVER, attributes: { s: 'x', i: -7, big: 2 ** 40, d: 1.25, b: false, list: ['a', 'b'], nums: [1, 2] } });
    const child = tracer.startSpan('p-child', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'proto boom' });
    child.addEvent('exception', { 'exception.type': 'E' });
    child.end();
    parent.end();
    await provider.forceFlush();
    await provider.shutdown();
    const got = receiver.spans.slice(before);
    const request = receiver.requests.find((r) => r.path === '/proto/v1/traces')!;
    expect(request.headers['content-type']).toBe('application/x-protobuf');
    expect(request.headers.authorization).toBe('Bearer proto-key');
    const p = got.find((s) => s.name === 'p-parent')!;
    const c = got.find((s) => s.name === 'p-child')!;
    expect(p.traceId).toBe(parent.spanContext().traceId);
    expect(p.spanId).toBe(parent.spanContext().spanId);
    expect(p.parentSpanId).toBe('');
    expect(c.parentSpanId).toBe(p.spanId);
    expect([p.kind, c.kind]).toEqual([2, 3]);
    expect(p.attributes).toEqual({ s: 'x', i: -7, big: 2 ** 40, d: 1.25, b: false, list: ['a', 'b'], nums: [1, 2] });
    expect(c.status).toEqual({ code: 2, message: 'proto boom' });
    expect(c.events).toEqual([{ name: 'exception', attributes: { 'exception.type': 'E' } }]);
    expect(p.resource['service.name']).toBe('proto-proof');
    expect(p.scope).toMatchObject({ name: 'proto', version: '1.2.3' });
    expect(p.endNs).toBeGreaterThanOrEqual(p.startNs);
    expect(p.startNs).toBeGreaterThan(1_600_000_000_000_000_000n);
  });

  it('answers with a failure when told to, and the exporter reports it', async () => {
    receiver.failNext.push(400);
    const exporter = new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, timeoutMillis: 1000 });
    const provider = new BasicTracerProvider({ spanProcessors: [] });
    const span = provider.getTracer('proof').startSpan('refused');
    span.end();
    const result = await new Promise<{ code: number }>((resolve) => exporter.export([span as never], resolve));
    expect(result.code).toBe(1);
    await exporter.shutdown();
  });
});
