/**
 * Keeps the gateway's deployments in step with the table, on every instance: a write here applies
 * at once (the route waits for it), and is announced on a counters channel (Redis pub/sub when
 * Redis is configured) so other instances reload at once; each instance also polls the version row
 * (one indexed read every `pollMs`) so a lost message, or no Redis, still converges within 1 s.
 * A reload reads the table and hands the kernel only what changed.
 */
import type { DeploymentEntry, PluginContext, RuntimeDeployments } from '@sluice/plugin-sdk';
import type { ModelRow, ModelRows } from './model-rows.js';

export const CHANGES_CHANNEL = 'model-store:changed';

/** The deployment the kernel serves for a stored row. */
export function entryOf(row: ModelRow): DeploymentEntry {
  return {
    model_name: row.model_name,
    litellm_params: row.litellm_params as DeploymentEntry['litellm_params'],
    model_info: { ...row.model_info, id: row.model_id, db_model: true },
  };
}

/**
 * `os.environ/` references are resolved only in rows a proxy admin wrote: team models (the only
 * ones a team admin can write) never read the gateway's environment.
 */
export const adminWritten = (entry: DeploymentEntry) => typeof entry.model_info.team_id !== 'string';

export class ModelSync {
  private applied = new Map<string, string>(); // model_id → fingerprint
  private version = -1;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private runtime: RuntimeDeployments | undefined;
  private failing = false;

  constructor(
    private readonly ctx: PluginContext,
    private readonly rows: ModelRows,
    private readonly pollMs: number,
  ) {}

  get deployments(): RuntimeDeployments | undefined {
    return this.runtime;
  }

  async start(runtime: RuntimeDeployments): Promise<void> {
    this.runtime = runtime;
    try {
      await this.reload();
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'could not load the stored models; retrying on the next poll');
    }
    this.unsubscribe = await this.ctx.counters.subscribe(CHANGES_CHANNEL, () => void this.reload().catch(() => {}));
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Reloads now (after a write on this instance) and tells the others. */
  async changed(): Promise<void> {
    await this.reload();
    await this.ctx.counters.publish(CHANGES_CHANNEL, String(this.version)).catch((err: Error) => {
      this.ctx.log.warn({ err: err.message }, 'could not announce a model change; other instances see it at their next poll');
    });
  }

  private async poll(): Promise<void> {
    try {
      if ((await this.rows.version()) !== this.version) await this.reload();
      if (this.failing) this.ctx.log.info('model poll works again');
      this.failing = false;
    } catch (err) {
      // Once per outage, not every round.
      if (!this.failing) this.ctx.log.warn({ err: (err as Error).message }, 'model poll failed; retried every round until the database answers');
      this.failing = true;
    }
  }

  /** One reload at a time; a request during one runs another after it (it may have missed the change). */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.reloadOnce();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async reloadOnce(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    const version = await this.rows.version();
    const rows = await this.rows.all();
    const seen = new Set<string>();
    const changed: ModelRow[] = [];
    for (const row of rows) {
      seen.add(row.model_id);
      if (this.applied.get(row.model_id) !== row.fingerprint) changed.push(row);
    }
    const gone = [...this.applied.keys()].filter((id) => !seen.has(id));
    if (changed.length > 0) {
      const rejected = await runtime.upsert(changed.map(entryOf), { resolveSecretRefs: adminWritten });
      for (const r of rejected) this.ctx.log.warn({ model_id: r.id }, `stored model not served: ${r.reason}`);
      const refused = new Set(rejected.map((r) => r.id));
      for (const row of changed) {
        if (refused.has(row.model_id)) gone.push(row.model_id);
        this.applied.set(row.model_id, row.fingerprint);
      }
    }
    if (gone.length > 0) runtime.remove(gone);
    for (const id of gone) if (!seen.has(id)) this.applied.delete(id);
    this.version = version;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
    await this.running;
  }
}
