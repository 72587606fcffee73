/**
 * The series a call updates, found once per distinct label set and reused by every later call
 * with the same labels: a call then costs one key built from its label values, one map lookup
 * and a few additions, instead of a label object and a lookup per metric.
 */
import type { BoundedMetrics, Labels, Series } from './bounded-metrics.js';
import type { MetricId } from './litellm-metrics.js';

/** One label set's series across metrics; `null` marks a metric whose cap dropped this label set. */
export class CallSeries {
  readonly #m: BoundedMetrics;
  readonly #bag: Labels;
  readonly #series = new Map<MetricId, Series | null>();

  constructor(metrics: BoundedMetrics, bag: Labels) {
    this.#m = metrics;
    this.#bag = bag;
  }

  inc(id: MetricId, by: number, now: number): void {
    this.#get(id)?.inc(by, now);
  }

  set(id: MetricId, value: number, now: number): void {
    this.#get(id)?.set(value, now);
  }

  observe(id: MetricId, value: number, now: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.#get(id)?.observe(value, now);
  }

  #get(id: MetricId): Series | undefined {
    const known = this.#series.get(id);
    if (known) return known;
    if (known === null) {
      // Still full (a series only leaves through the TTL, which empties the cache): counted as before.
      this.#m.countDropped(id);
      return undefined;
    }
    const series = this.#m.admit(id, this.#bag) ?? null;
    this.#series.set(id, series);
    return series ?? undefined;
  }
}

/** CallSeries by the call's joined label values; emptied when series expire, bounded in size. */
export class CallSeriesCache {
  static readonly MAX = 10_000;
  readonly #m: BoundedMetrics;
  readonly #byKey = new Map<string, CallSeries>();
  #generation: number;

  constructor(metrics: BoundedMetrics) {
    this.#m = metrics;
    this.#generation = metrics.generation;
  }

  get(key: string, bag: () => Labels): CallSeries {
    if (this.#generation !== this.#m.generation) {
      this.#byKey.clear();
      this.#generation = this.#m.generation;
    }
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      // A high-cardinality workload would grow this without end; starting over only costs lookups.
      if (this.#byKey.size >= CallSeriesCache.MAX) this.#byKey.clear();
      entry = new CallSeries(this.#m, bag());
      this.#byKey.set(key, entry);
    }
    return entry;
  }
}
