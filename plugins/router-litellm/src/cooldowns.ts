/**
 * Deployments taken out of rotation after failures. Failures are counted in the shared counters
 * (Redis when configured) and a cooldown is announced on pub/sub, so every instance stops sending
 * to a failing deployment; each instance checks only its local map on the hot path.
 */
import type { Counters, Logger } from '@sluice/plugin-sdk';

const CHANNEL = 'router:cooldown';
/** Statuses that take a deployment out at once (LiteLLM: rate limited, bad key, unknown model, timeout). */
const IMMEDIATE = new Set([401, 404, 408, 429]);

export class Cooldowns {
  private readonly until = new Map<string, number>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly allowedFails: number,
    private readonly cooldownMs: number,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.counters.subscribe(CHANNEL, (message) => {
      try {
        const { id, until } = JSON.parse(message) as { id: string; until: number };
        if (until > (this.until.get(id) ?? 0)) this.until.set(id, until);
      } catch {
        this.log.warn('ignored a malformed cooldown message');
      }
    });
  }

  isCooling(id: string, now: number): boolean {
    const t = this.until.get(id);
    return t !== undefined && t > now;
  }

  /** Milliseconds until the first of these deployments is back. */
  soonestBack(ids: readonly string[], now: number): number {
    let soonest = Infinity;
    for (const id of ids) soonest = Math.min(soonest, (this.until.get(id) ?? now) - now);
    return Math.max(0, soonest === Infinity ? 0 : soonest);
  }

  /** Records a failed attempt; cools the deployment down when it failed too often (or fatally), and says whether it did. */
  async failed(id: string, status: number, groupSize: number): Promise<boolean> {
    // A group's only deployment is never taken out: that would turn a blip into an outage.
    if (groupSize <= 1) return false;
    let cool = IMMEDIATE.has(status);
    if (!cool) {
      try {
        const hit = await this.counters.hit(`router:fails:${id}`, 60_000, 1, Number.POSITIVE_INFINITY);
        cool = hit.count > this.allowedFails;
      } catch (err) {
        this.log.warn({ err }, 'could not count a deployment failure in the shared counters');
      }
    }
    if (!cool) return false;
    const until = Date.now() + this.cooldownMs;
    this.until.set(id, until);
    this.log.warn({ deployment: id, cooldownMs: this.cooldownMs, status }, 'deployment cooling down');
    await this.counters.publish(CHANNEL, JSON.stringify({ id, until })).catch((err: unknown) => this.log.warn({ err }, 'could not announce a cooldown'));
    return true;
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
  }
}
