/**
 * Secrets change upstream (a rotated provider key in the secret manager): every refresh interval
 * of the enabled managers, the config's references are read again and the deployments whose
 * resolved settings changed are rebuilt and swapped in, without a restart. A round in which a
 * manager cannot be read changes nothing: the deployments keep the values they have (the managers
 * themselves serve their cached values while they can).
 */
import type { SecretResolver } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import type { Logger } from '../logging/create-logger.js';
import type { ModelRegistry, RegisteredDeployment } from '../models/model-registry.js';
import { resolveEnvRefs, type RefLookup } from './env-refs.js';

/** The shortest refresh interval of the managers that have one, at least 1 s; undefined when none. */
export function secretRefreshInterval(resolvers: readonly SecretResolver[]): number | undefined {
  const intervals = resolvers.map((r) => r.refreshIntervalMs).filter((ms): ms is number => typeof ms === 'number' && ms > 0);
  return intervals.length === 0 ? undefined : Math.max(1_000, Math.min(...intervals));
}

export interface SecretRefreshDeps {
  intervalMs: number;
  config: SluiceConfig;
  /** The model_list as resolved at startup. */
  resolved: SluiceConfig['model_list'];
  lookup: RefLookup;
  /** Builds the deployments of a resolved config (one per model_list entry, in order). */
  build(resolved: SluiceConfig): RegisteredDeployment[];
  registry: ModelRegistry;
  log: Logger;
}

export class SecretRefresh {
  private readonly timer: NodeJS.Timeout;
  private fingerprints: string[];
  private ids: string[];
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly deps: SecretRefreshDeps, startIds: readonly string[]) {
    this.fingerprints = (deps.resolved ?? []).map((e) => JSON.stringify(e));
    this.ids = [...startIds];
    this.timer = setInterval(() => void this.round(), deps.intervalMs);
    this.timer.unref();
  }

  /** One round; concurrent callers share it. Resolves to the number of deployments replaced. */
  round(): Promise<void> {
    this.running ??= this.refresh().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async refresh(): Promise<void> {
    const { config, lookup, log } = this.deps;
    const { value, unreadable } = await resolveEnvRefs({ ...config, model_list: config.model_list } as SluiceConfig, lookup);
    if (unreadable.length > 0) {
      if (!this.failing) log.warn({ unreadable: unreadable.map((u) => u.split(':')[0]) }, 'secret refresh: a secret manager could not be read; deployments keep their current values');
      this.failing = true;
      return;
    }
    if (this.failing) log.info('secret refresh: the secret managers answer again');
    this.failing = false;
    const next = (value.model_list ?? []).map((e) => JSON.stringify(e));
    const changed = next.flatMap((f, i) => (f !== this.fingerprints[i] ? [i] : []));
    if (changed.length === 0) return;
    const built = this.deps.build(value);
    if (built.length !== next.length) return; // one per entry, always; anything else is not ours to apply
    const upserts = changed.map((i) => built[i]!);
    const removed = changed.map((i) => this.ids[i]!).filter((id, k) => id !== upserts[k]!.config.id);
    this.deps.registry.apply(upserts, removed);
    for (const i of changed) {
      this.fingerprints[i] = next[i]!;
      this.ids[i] = built[i]!.config.id;
    }
    log.info({ deployments: upserts.map((d) => d.config.modelName) }, 'secret refresh: deployments rebuilt with changed secrets');
  }
}
