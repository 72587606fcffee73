/**
 * What this instance knows about each deployment: calls in flight, a latency average, and the
 * current minute's requests and tokens (for rpm/tpm limits and usage-based routing). Local by
 * design: reading shared counters on every routing decision would put a Redis round trip on the
 * hot path.
 */
interface MinuteUsage {
  minute: number;
  requests: number;
  tokens: number;
}

const EWMA_WEIGHT = 0.2;

export class DeploymentStats {
  private readonly inFlight = new Map<string, number>();
  private readonly latency = new Map<string, number>();
  private readonly usage = new Map<string, MinuteUsage>();

  private minuteOf(id: string, now: number): MinuteUsage {
    const minute = Math.floor(now / 60_000);
    let u = this.usage.get(id);
    if (!u || u.minute !== minute) {
      u = { minute, requests: 0, tokens: 0 };
      this.usage.set(id, u);
    }
    return u;
  }

  started(id: string, now: number): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    this.minuteOf(id, now).requests++;
  }

  /** The call is over: answered in full (a stream at its end), failed, or abandoned. */
  finished(id: string): void {
    this.inFlight.set(id, Math.max(0, (this.inFlight.get(id) ?? 1) - 1));
  }

  /** Time to the response (a stream's first byte). */
  responded(id: string, latencyMs: number): void {
    const prev = this.latency.get(id);
    this.latency.set(id, prev === undefined ? latencyMs : prev * (1 - EWMA_WEIGHT) + latencyMs * EWMA_WEIGHT);
  }

  addTokens(id: string, tokens: number, now: number): void {
    this.minuteOf(id, now).tokens += tokens;
  }

  busy(id: string): number {
    return this.inFlight.get(id) ?? 0;
  }

  /** Average latency in ms; 0 for a deployment never measured, so new ones get explored. */
  latencyOf(id: string): number {
    return this.latency.get(id) ?? 0;
  }

  requestsThisMinute(id: string, now: number): number {
    const u = this.usage.get(id);
    return u && u.minute === Math.floor(now / 60_000) ? u.requests : 0;
  }

  tokensThisMinute(id: string, now: number): number {
    const u = this.usage.get(id);
    return u && u.minute === Math.floor(now / 60_000) ? u.tokens : 0;
  }
}
