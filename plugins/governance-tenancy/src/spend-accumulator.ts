/**
 * Spend on the records (`/key/info`, `/team/info`… show it): onSpend adds each call's cost to
 * every scope it was checked against, in memory; every flush turns the sums into one batch with an
 * id and writes it as `spend = spend + ?` (no read, so instances flushing into the same rows never
 * lose an increment).
 *
 * Batches go through the SDK's batch writer, which retries them with backoff, spills them to
 * `record-spend.spill.jsonl` in the plugin's data dir when the database still refuses them at
 * shutdown, and on a forced exit (a second SIGTERM) appends every batch not confirmed written,
 * together with the sums not yet batched, synchronously. The next start replays that file.
 *
 * Exactly once: an increment is not idempotent, so each batch's id goes into
 * `sluice_tenancy_spend_batches` in the transaction that adds its sums. A batch written again (its
 * commit succeeded but the process exited or lost the acknowledgement before knowing) finds its id
 * there and adds nothing. Ids are kept for BATCH_ID_RETENTION_MS; a spill file replayed later than
 * that could count a batch that was mid-write at exit twice.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import { teamMemberOfScopeId, type LimitScope, type PluginContext, type SpendEvent } from '@sluice/plugin-sdk';
import { SPEND_BATCHES_TABLE } from './spend-batches-migration.js';
import type { Stores } from './tenancy-deps.js';

const SEP = '\u0000';
export const BATCH_ID_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

/** One flush's sums: `[scope kind, scope id, amount]`. */
interface SpendBatch {
  id: string;
  sums: [string, string, number][];
}

export class SpendAccumulator {
  private pending = new Map<string, number>();
  private readonly writer: BatchWriter<SpendBatch>;
  private prunedAt = 0;

  constructor(
    private readonly ctx: PluginContext,
    private readonly stores: Stores,
    intervalMs: number,
  ) {
    this.writer = new BatchWriter<SpendBatch>({
      name: 'record-spend',
      dataDir: ctx.dataDir,
      log: ctx.log,
      intervalMs,
      write: (batches) => this.write(batches),
      gather: () => this.take(),
    });
  }

  record(event: Readonly<SpendEvent>): void {
    if (!(event.cost > 0)) return;
    for (const scope of event.scopes as readonly LimitScope[]) this.add(scope.kind, scope.id, event.cost);
  }

  add(kind: string, id: string, amount: number): void {
    const k = kind + SEP + id;
    this.pending.set(k, (this.pending.get(k) ?? 0) + amount);
  }

  /** Writes what is left; what the database refuses is spilled and written on the next start. */
  close(): Promise<void> {
    return this.writer.close();
  }

  private take(): SpendBatch[] {
    if (this.pending.size === 0) return [];
    const sums: SpendBatch['sums'] = [];
    for (const [k, amount] of this.pending) {
      const [kind, id] = k.split(SEP) as [string, string];
      sums.push([kind, id, amount]);
    }
    this.pending = new Map();
    return [{ id: randomUUID(), sums }];
  }

  /** One transaction: the batches not applied yet add their sums and record their ids. */
  private async write(batches: SpendBatch[]): Promise<void> {
    const s = this.stores;
    const now = this.ctx.now();
    const prune = now - this.prunedAt >= PRUNE_EVERY_MS;
    await (this.ctx.database.knex as Knex).transaction(async (trx) => {
      const ids = batches.map((b) => b.id);
      const applied = new Set((await trx(SPEND_BATCHES_TABLE).whereIn('batch_id', ids).select('batch_id')).map((r: { batch_id: string }) => r.batch_id));
      const fresh = batches.filter((b) => !applied.has(b.id));
      if (fresh.length === 0) return;
      await trx(SPEND_BATCHES_TABLE).insert(fresh.map((b) => ({ batch_id: b.id, applied_at: now })));
      for (const batch of fresh) {
        for (const [kind, id, amount] of batch.sums) {
          if (kind === 'key') await s.keys.addSpend(id, amount, trx);
          else if (kind === 'user') await s.users.addSpend(id, amount, trx);
          else if (kind === 'team') await s.teams.addSpend(id, amount, trx);
          else if (kind === 'organization') await s.organizations.addSpend(id, amount, trx);
          else if (kind === 'project') await s.projects.addSpend(id, amount, trx);
          else if (kind === 'customer') await s.customers.addSpend(id, amount, trx);
          else if (kind === 'tag') await s.tags.addSpend(id, amount, trx);
          else if (kind === 'team_member') {
            const { teamId, userId } = teamMemberOfScopeId(id);
            await s.members.addMemberSpend(teamId, userId, amount, trx);
          }
          // LiteLLM keeps the proxy's spend on its budget user (`litellm-proxy-budget`).
          else if (kind === 'proxy') await s.users.addSpend(id, amount, trx);
        }
      }
      if (prune) await trx(SPEND_BATCHES_TABLE).where('applied_at', '<', now - BATCH_ID_RETENTION_MS).delete();
    });
    if (prune) this.prunedAt = now;
  }
}
