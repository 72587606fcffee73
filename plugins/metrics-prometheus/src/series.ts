/**
 * One label set of one metric, updated in place. The plugin keeps its values itself rather than
 * in prom-client's metrics: prom-client hashes the label object on every update (even through a
 * bound `labels()` child), which was most of the plugin's cost per call. Holding the series lets
 * a call update a number it already found; prom-client still writes the text format at scrape.
 */
export type Labels = Record<string, string>;

export class Series {
  readonly labels: Labels;
  /** When an update last touched it (for the TTL). */
  lastSeen: number;
  /** Counter or gauge: its value; histogram: the sum of observations. */
  value = 0;
  /** Histograms: observations, and per upper bound the observations in that bucket alone (not cumulative). */
  count = 0;
  readonly #bounds: readonly number[] | undefined;
  readonly buckets: Float64Array | undefined;

  constructor(labels: Labels, now: number, bounds: readonly number[] | undefined) {
    this.labels = labels;
    this.lastSeen = now;
    this.#bounds = bounds;
    this.buckets = bounds ? new Float64Array(bounds.length) : undefined;
  }

  /** Counters never go down; a non-finite or negative amount is ignored (prom-client would throw). */
  inc(by: number, now: number): void {
    this.lastSeen = now;
    if (by >= 0 && by !== Number.POSITIVE_INFINITY) this.value += by;
  }

  set(value: number, now: number): void {
    this.lastSeen = now;
    this.value = value;
  }

  /** As prom-client's histogram: the first bucket whose upper bound is ≥ the value, else only +Inf. */
  observe(value: number, now: number): void {
    this.lastSeen = now;
    if (!Number.isFinite(value) || value < 0) return;
    const bounds = this.#bounds!;
    this.value += value;
    this.count += 1;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.buckets![i]! += 1;
        return;
      }
    }
  }
}
