/**
 * `db_exceptions`: the database (a `select 1`) and Redis (the counters' ping) are probed on a
 * timer; an alert goes out when one stops answering and another when it answers again. Every
 * instance sees the same outage, so the marker (per backend and state) makes it one alert; while
 * Redis itself is down the marker cannot be taken and each instance alerts on its own.
 */
import type { Counters, Logger, SqlQueryBuilder } from '@sluice/plugin-sdk';
import type { AlertDispatch } from './alert-dispatch.js';
import { dbFailedMessage } from './slack-messages.js';

const PROBE_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: PromiseLike<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(p),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface Backend {
  name: 'database' | 'redis';
  probe(): Promise<void>;
  /** When it stopped answering (epoch ms), or undefined while healthy. */
  downSince?: number;
}

export class BackendHealth {
  private readonly backends: Backend[] = [];
  private running = false;

  constructor(
    knex: SqlQueryBuilder,
    counters: Counters,
    private readonly alerts: AlertDispatch,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly windowMs: number,
    private readonly scrub: (text: string) => string,
  ) {
    this.backends.push({ name: 'database', probe: async () => void (await withTimeout(knex.raw('select 1'), 'the database')) });
    if (counters.kind === 'redis') {
      this.backends.push({
        name: 'redis',
        probe: async () => {
          if (!(await withTimeout(counters.ping(), 'Redis'))) throw new Error('Redis did not answer PING');
        },
      });
    }
  }

  /** One round of probes (the timer's); a round still running is not doubled. */
  async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(this.backends.map((b) => this.checkOne(b)));
    } finally {
      this.running = false;
    }
  }

  private async checkOne(b: Backend): Promise<void> {
    let error: string | undefined;
    try {
      await b.probe();
    } catch (err) {
      error = this.scrub((err as Error).message || String(err));
    }
    const now = this.now();
    if (error !== undefined && b.downSince === undefined) {
      b.downSince = now;
      this.log.error({ backend: b.name, err: error }, 'backend unreachable');
      const what = b.name === 'redis' ? `Redis: ${error}` : error;
      await this.alerts.send({ type: 'db_exceptions', level: 'High', message: dbFailedMessage(what), subject: `${b.name}:down`, windowMs: this.windowMs });
    } else if (error === undefined && b.downSince !== undefined) {
      const seconds = Math.round((now - b.downSince) / 1000);
      b.downSince = undefined;
      this.log.info({ backend: b.name, downForSeconds: seconds }, 'backend reachable again');
      const what = b.name === 'redis' ? 'Redis' : 'The database';
      await this.alerts.send({ type: 'db_exceptions', level: 'Low', message: `DB read/write calls succeed again: ${what} answers again after ${seconds}s unreachable`, subject: `${b.name}:up`, windowMs: this.windowMs });
    }
  }
}
