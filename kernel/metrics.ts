/** In-process counters the kernel keeps about itself (plugin faults, observer failures…). */
export class KernelMetrics {
  private readonly counts = new Map<string, number>();

  inc(name: string, labels: Record<string, string>, by = 1): void {
    const key = `${name}${JSON.stringify(labels)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string>): number {
    return this.counts.get(`${name}${JSON.stringify(labels)}`) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
