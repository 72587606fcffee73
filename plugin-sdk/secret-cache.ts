/**
 * The resolver's TTL cache. A value is re-read from the manager once it is older than the refresh
 * interval; when that read fails, the last value is served (stale beats a gateway that stops
 * calling its providers), the outage is logged once, not per read, and counted. A name that was
 * never read successfully rejects: there is nothing to fall back to. Concurrent reads of one name
 * share one request. Values are never logged.
 */
import type { Logger } from './capabilities.js';
import type { CounterSeries } from './metrics.js';

interface Entry {
  value: string | undefined;
  readAt: number;
}

export interface SecretCacheOptions {
  ttlMs: number;
  now: () => number;
  log: Logger;
  /** Counts every read answered from a stale entry because the manager failed. */
  staleServed: CounterSeries;
  /** The manager's name in log lines, e.g. "AWS Secrets Manager". */
  manager: string;
}

export class StaleServingSecretCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string | undefined>>();
  #outage = false;

  constructor(
    private readonly read: (name: string) => Promise<string | undefined>,
    private readonly opts: SecretCacheOptions,
  ) {}

  get(name: string): Promise<string | undefined> {
    const hit = this.#entries.get(name);
    if (hit && this.opts.now() - hit.readAt < this.opts.ttlMs) return Promise.resolve(hit.value);
    let pending = this.#inflight.get(name);
    if (!pending) {
      pending = this.#refresh(name).finally(() => this.#inflight.delete(name));
      this.#inflight.set(name, pending);
    }
    return pending;
  }

  /** Records a value the gateway itself just wrote (no need to read it back). */
  set(name: string, value: string | undefined): void {
    this.#entries.set(name, { value, readAt: this.opts.now() });
  }

  forget(name: string): void {
    this.#entries.delete(name);
  }

  async #refresh(name: string): Promise<string | undefined> {
    try {
      const value = await this.read(name);
      this.#entries.set(name, { value, readAt: this.opts.now() });
      if (this.#outage) {
        this.#outage = false;
        this.opts.log.info(`${this.opts.manager} answers again; cached values are being refreshed`);
      }
      return value;
    } catch (err) {
      const stale = this.#entries.get(name);
      if (!stale) throw err;
      this.opts.staleServed.inc();
      if (!this.#outage) {
        this.#outage = true;
        this.opts.log.warn({ secret: name, err: errorMessage(err) }, `${this.opts.manager} could not be read: serving cached values until it answers again`);
      }
      return stale.value;
    }
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
