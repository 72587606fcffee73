/**
 * The SDK's metrics registry: what the kernel records about plugins (faults, sandbox restarts,
 * hook latencies) is readable in one snapshot, and plugins register their own metrics beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry, type MetricSnapshot } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const find = (snapshot: MetricSnapshot[], name: string) => snapshot.find((m) => m.name === name);

describe('MetricsRegistry', () => {
  it('counts, sets and observes per label set, and reads back as a snapshot', () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter('calls_total', { help: 'calls', labelNames: ['route'] });
    const chat = calls.series({ route: 'chat' });
    chat.inc();
    chat.inc(2);
    calls.inc({ route: 'embeddings' });
    const inFlight = registry.gauge('in_flight', { help: 'requests in flight' }).series();
    inFlight.inc();
    inFlight.inc();
    inFlight.dec();
    const latency = registry.histogram('latency_seconds', { help: 'latency', labelNames: ['route'], buckets: [0.01, 0.1, 1] }).series({ route: 'chat' });
    for (const v of [0.005, 0.01, 0.05, 0.5, 3]) latency.observe(v);

    expect(registry.value('calls_total', { route: 'chat' })).toBe(3);
    expect(registry.value('calls_total', { route: 'embeddings' })).toBe(1);
    expect(registry.value('calls_total', { route: 'never' })).toBe(0);
    expect(registry.value('in_flight')).toBe(1);
    const snapshot = registry.snapshot();
    expect(find(snapshot, 'calls_total')).toEqual({
      name: 'calls_total',
      help: 'calls',
      kind: 'counter',
      owner: 'kernel',
      series: [
        { labels: { route: 'chat' }, value: 3 },
        { labels: { route: 'embeddings' }, value: 1 },
      ],
    });
    expect(find(snapshot, 'latency_seconds')?.series).toEqual([
      {
        labels: { route: 'chat' },
        // Cumulative, Prometheus-style: a value on a bound counts in that bucket.
        buckets: [
          { le: 0.01, count: 2 },
          { le: 0.1, count: 3 },
          { le: 1, count: 4 },
          { le: Number.POSITIVE_INFINITY, count: 5 },
        ],
        sum: 3.565,
        count: 5,
      },
    ]);
  });

  it('refuses wrong labels, bad names and a name another owner registered', () => {
    const registry = new MetricsRegistry();
    const faults = registry.counter('plugin_faults_total', { help: 'faults', labelNames: ['plugin', 'hook'] });
    expect(() => faults.inc({ plugin: 'x' } as never)).toThrow(/takes labels \[plugin, hook\], got \[plugin\]/);
    expect(() => registry.counter('bad name', { help: '' })).toThrow(/not a valid metric name/);
    expect(() => registry.gauge('plugin_faults_total', { help: '', labelNames: ['plugin', 'hook'] })).toThrow(/already registered as a counter/);
    // The same definition again is the same metric (a plugin's setup may run more than once).
    expect(registry.counter('plugin_faults_total', { help: 'faults', labelNames: ['plugin', 'hook'] })).toBe(faults);

    const plugin = registry.forOwner('acme');
    expect(() => plugin.counter('plugin_faults_total', { help: 'forged', labelNames: ['plugin', 'hook'] })).toThrow(/registered by kernel/);
    plugin.counter('acme_checks_total', { help: 'checks' }).inc();
    expect(registry.value('acme_checks_total')).toBe(1);
    expect(find(registry.snapshot(), 'acme_checks_total')?.owner).toBe('acme');
  });
});

describe('the gateway records plugin hooks in the registry', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const root = tempDir('sluice-metrics-');
    const dirs = [
      writeTestPlugin(
        {
          id: 'counting',
          hooks: { preCall: { stage: 'DEFAULT' } },
          source: pluginSource(`const seen = ctx.metrics.counter('counting_calls_total', { help: 'Calls the counting plugin saw.', labelNames: ['model'] });
            return { preCall: async (c) => { seen.inc({ model: c.body.model }); } };`),
        },
        root,
      ),
      writeTestPlugin(
        {
          id: 'crashy',
          hooks: { postCall: { stage: 'OBSERVE' } },
          source: pluginSource(`return { postCall: async () => { throw new Error('crashy exploded'); } };`),
        },
        root,
      ),
    ];
    gw = await startGateway(
      {
        model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'counting' }, { use: 'crashy' }],
      } as never,
      { extraPluginDirs: dirs },
    );
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200); // crashy is fail-open in postCall
    }
  });
  afterAll(() => gw.close());

  it('hook latencies per plugin and hook, faults, and the plugin\'s own metric', () => {
    const snapshot = gw.gateway.metrics.registry.snapshot();
    const latency = find(snapshot, 'plugin_hook_duration_seconds');
    expect(latency?.kind).toBe('histogram');
    const counting = latency?.series.find((s) => s.labels.plugin === 'counting' && s.labels.hook === 'preCall');
    expect(counting).toMatchObject({ count: 3 });
    expect(counting && 'sum' in counting && counting.sum).toBeGreaterThan(0);
    expect(latency?.series.find((s) => s.labels.plugin === 'crashy' && s.labels.hook === 'postCall')).toMatchObject({ count: 3 });

    expect(find(snapshot, 'plugin_faults_total')?.series).toContainEqual({ labels: { plugin: 'crashy', hook: 'postCall' }, value: 3 });
    expect(find(snapshot, 'sandbox_restarts_total')).toMatchObject({ kind: 'counter', owner: 'kernel' });
    expect(find(snapshot, 'counting_calls_total')).toMatchObject({
      owner: 'counting',
      series: [{ labels: { model: 'fake-model' }, value: 3 }],
    });
  });
});
