/**
 * A minimal metrics registry: counters, gauges and histograms with labels, read as a `snapshot()`.
 * The kernel records plugin faults, sandbox restarts and hook latencies in it; in-process plugins
 * register their own through `ctx.metrics`. It renders nothing: an exporter (a metrics plugin)
 * turns the snapshot into Prometheus text or anything else.
 *
 * Hot paths bind a series once (`counter.series({ plugin: 'x' })`, at setup) and then only add to
 * numbers: no lookup, no allocation per event. `inc(labels)` looks the series up on every call,
 * which is fine for rare events.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricOptions<L extends string = never> {
  /** One line saying what is measured; exporters show it. */
  help: string;
  /** The labels every series carries, e.g. `['plugin', 'hook']`. */
  labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string = never> extends MetricOptions<L> {
  /** Upper bounds, ascending (`+Inf` is implied). Default `LATENCY_BUCKETS_SECONDS`. */
  buckets?: readonly number[];
}

/** Label values of one series, by label name. */
export type MetricLabels<L extends string = string> = Readonly<Record<L, string>>;

export interface CounterSeries {
  inc(by?: number): void;
}
export interface GaugeSeries {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
}
export interface HistogramSeries {
  observe(value: number): void;
}

export interface Counter<L extends string = never> {
  series(labels?: MetricLabels<L>): CounterSeries;
  inc(labels?: MetricLabels<L>, by?: number): void;
}
export interface Gauge<L extends string = never> {
  series(labels?: MetricLabels<L>): GaugeSeries;
  set(labels: MetricLabels<L>, value: number): void;
}
export interface Histogram<L extends string = never> {
  series(labels?: MetricLabels<L>): HistogramSeries;
  observe(labels: MetricLabels<L>, value: number): void;
}

export interface ValueSnapshot {
  labels: MetricLabels;
  value: number;
}
export interface HistogramSnapshot {
  labels: MetricLabels;
  /** Cumulative counts per bucket bound (`le`), the last one `+Inf` (= `count`). */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}
export type MetricSnapshot =
  | { name: string; help: string; kind: 'counter' | 'gauge'; owner: string; series: ValueSnapshot[] }
  | { name: string; help: string; kind: 'histogram'; owner: string; series: HistogramSnapshot[] };

/** What a plugin sees as `ctx.metrics`: it registers its own metrics and may read every one. */
export interface Metrics {
  counter<L extends string = never>(name: string, opts: MetricOptions<L>): Counter<L>;
  gauge<L extends string = never>(name: string, opts: MetricOptions<L>): Gauge<L>;
  histogram<L extends string = never>(name: string, opts: HistogramOptions<L>): Histogram<L>;
  /** The value of a counter or gauge series; 0 when it was never touched or does not exist. */
  value(name: string, labels?: MetricLabels): number;
  snapshot(): MetricSnapshot[];
}

/** Hook and call latencies, in seconds: from 50 µs (an in-process hook) to 10 s (a slow model call). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  name: string;
  help: string;
  kind: MetricKind;
  owner: string;
  labelNames: readonly string[];
  bounds: readonly number[];
  series: Map<string, { labels: MetricLabels; cell: Cell }>;
  handle: Counter<string> | Gauge<string> | Histogram<string>;
}

/** One series' numbers: `value` for counters and gauges; `counts` (per bucket, not cumulative), `sum`, `count` for histograms. */
interface Cell {
  value: number;
  counts: Float64Array | undefined;
  sum: number;
}

/**
 * The registry. The kernel owns one per gateway and hands each plugin `forOwner(pluginId)`: a
 * name belongs to whoever registered it first, so a plugin cannot write the kernel's
 * `plugin_faults_total` or another plugin's metrics. Registering the same name again with the
 * same kind and labels returns the existing metric.
 */
/**
 * Families the SDK's own helpers register for every plugin that uses them (LogDelivery's
 * `logging_queue_depth`…): shared by all owners, told apart by their labels.
 */
export const SHARED_FAMILY_PREFIX = 'logging_';

export class MetricsRegistry implements Metrics {
  #families = new Map<string, Family>();
  #owner = 'kernel';

  /** The same registry, registering under another owner (a plugin id). */
  forOwner(owner: string): Metrics {
    const view = new MetricsRegistry();
    view.#families = this.#families;
    view.#owner = owner;
    return view;
  }

  counter<L extends string = never>(name: string, opts: MetricOptions<L>): Counter<L> {
    return this.register(name, 'counter', opts, []).handle as Counter<L>;
  }

  gauge<L extends string = never>(name: string, opts: MetricOptions<L>): Gauge<L> {
    return this.register(name, 'gauge', opts, []).handle as Gauge<L>;
  }

  histogram<L extends string = never>(name: string, opts: HistogramOptions<L>): Histogram<L> {
    const bounds = opts.buckets ?? LATENCY_BUCKETS_SECONDS;
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new Error(`metric ${name}: buckets must be finite and ascending`);
    }
    return this.register(name, 'histogram', opts, bounds).handle as Histogram<L>;
  }

  value(name: string, labels: MetricLabels = {}): number {
    const family = this.#families.get(name);
    if (!family || family.kind === 'histogram') return 0;
    return family.series.get(seriesKey(family, labels))?.cell.value ?? 0;
  }

  snapshot(): MetricSnapshot[] {
    return [...this.#families.values()].map((f) => {
      const head = { name: f.name, help: f.help, owner: f.owner };
      if (f.kind !== 'histogram') {
        return { ...head, kind: f.kind, series: [...f.series.values()].map((s) => ({ labels: s.labels, value: s.cell.value })) };
      }
      return { ...head, kind: f.kind, series: [...f.series.values()].map((s) => histogramSnapshot(f.bounds, s.labels, s.cell)) };
    });
  }

  private register(name: string, kind: MetricKind, opts: MetricOptions<string>, bounds: readonly number[]): Family {
    const labelNames = opts.labelNames ?? [];
    const existing = this.#families.get(name);
    if (existing) {
      if (existing.owner !== this.#owner && !name.startsWith(SHARED_FAMILY_PREFIX)) throw new Error(`metric ${name} is registered by ${existing.owner}`);
      if (existing.kind !== kind || existing.labelNames.join() !== labelNames.join() || existing.bounds.join() !== bounds.join()) {
        throw new Error(`metric ${name} is already registered as a ${existing.kind} with labels [${existing.labelNames.join(', ')}]`);
      }
      return existing;
    }
    if (!METRIC_NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} is not a valid metric name`);
    const bad = labelNames.find((l) => !LABEL_NAME.test(l));
    if (bad !== undefined) throw new Error(`metric ${name}: label name ${JSON.stringify(bad)} is not valid`);
    const owner = name.startsWith(SHARED_FAMILY_PREFIX) ? 'plugin-sdk' : this.#owner;
    const family: Family = { name, help: opts.help, kind, owner, labelNames: [...labelNames], bounds: [...bounds], series: new Map(), handle: undefined as never };
    family.handle = handleOf(family);
    this.#families.set(name, family);
    return family;
  }
}

function handleOf(f: Family): Family['handle'] {
  const cellOf = (labels: MetricLabels = {}): Cell => {
    const key = seriesKey(f, labels);
    let entry = f.series.get(key);
    if (!entry) {
      const own = Object.freeze(Object.fromEntries(f.labelNames.map((n) => [n, labels[n]!])));
      entry = { labels: own, cell: { value: 0, counts: f.kind === 'histogram' ? new Float64Array(f.bounds.length + 1) : undefined, sum: 0 } };
      f.series.set(key, entry);
    }
    return entry.cell;
  };
  if (f.kind === 'counter') {
    const series = (labels?: MetricLabels): CounterSeries => {
      const cell = cellOf(labels);
      return { inc: (by = 1) => void (cell.value += by) };
    };
    return { series, inc: (labels, by = 1) => void (cellOf(labels).value += by) } satisfies Counter<string>;
  }
  if (f.kind === 'gauge') {
    const series = (labels?: MetricLabels): GaugeSeries => {
      const cell = cellOf(labels);
      return { set: (v) => void (cell.value = v), inc: (by = 1) => void (cell.value += by), dec: (by = 1) => void (cell.value -= by) };
    };
    return { series, set: (labels, v) => void (cellOf(labels).value = v) } satisfies Gauge<string>;
  }
  const bounds = f.bounds;
  const observe = (cell: Cell, v: number): void => {
    if (v !== v) return; // NaN would poison the sum for good
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    cell.counts![i]! += 1;
    cell.sum += v;
    cell.value += 1;
  };
  const series = (labels?: MetricLabels): HistogramSeries => {
    const cell = cellOf(labels);
    return { observe: (v) => observe(cell, v) };
  };
  return { series, observe: (labels, v) => observe(cellOf(labels), v) } satisfies Histogram<string>;
}

/** Label values in the family's label order; a missing or extra label is a programming error. */
function seriesKey(f: Family, labels: MetricLabels): string {
  const given = Object.keys(labels);
  if (given.length !== f.labelNames.length || f.labelNames.some((n) => typeof labels[n] !== 'string')) {
    throw new Error(`metric ${f.name} takes labels [${f.labelNames.join(', ')}], got [${given.join(', ')}]`);
  }
  return f.labelNames.map((n) => labels[n]).join('\u0000');
}

function histogramSnapshot(bounds: readonly number[], labels: MetricLabels, cell: Cell): HistogramSnapshot {
  let running = 0;
  const buckets = [...bounds, Number.POSITIVE_INFINITY].map((le, i) => ({ le, count: (running += cell.counts![i]!) }));
  return { labels, buckets, sum: cell.sum, count: cell.value };
}
