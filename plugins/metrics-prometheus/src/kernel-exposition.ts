/**
 * The gateway's own metrics registry (`ctx.metrics.snapshot()`: plugin faults, hook latencies,
 * sandbox restarts, observer failures, and what other plugins registered) in the Prometheus text
 * format, every name prefixed `sluice_`. Rendered at scrape time from the snapshot, so nothing is
 * copied on the request path.
 */
import type { MetricSnapshot } from '@sluice/plugin-sdk';

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeValue = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function labelText(labels: Readonly<Record<string, string>>, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** `plugin_faults_total` → `sluice_plugin_faults_total`; a counter always ends in `_total`. */
export function exposedName(m: Pick<MetricSnapshot, 'name' | 'kind'>): string {
  const base = `sluice_${m.name}`;
  return m.kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

export function renderKernelMetrics(snapshot: readonly MetricSnapshot[], skip: ReadonlySet<string> = new Set()): string {
  const out: string[] = [];
  for (const m of snapshot) {
    const name = exposedName(m);
    if (skip.has(name)) continue;
    out.push(`# HELP ${name} ${escapeHelp(m.help)}`, `# TYPE ${name} ${m.kind}`);
    if (m.kind === 'histogram') {
      for (const s of m.series) {
        for (const b of s.buckets) out.push(`${name}_bucket${labelText(s.labels, ['le', formatNumber(b.le)])} ${b.count}`);
        out.push(`${name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`, `${name}_count${labelText(s.labels)} ${s.count}`);
      }
    } else {
      for (const s of m.series) out.push(`${name}${labelText(s.labels)} ${formatNumber(s.value)}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
