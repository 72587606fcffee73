/**
 * Spend logs: one row per proxied request, written off the request path.
 *
 * `onSpend` turns the event into a row and pushes it on the SDK's durable batch writer, which
 * writes a batch per second (or per `max_batch` rows) in one transaction: the multi-row log insert
 * and the daily rollup upserts. Reports read the rollups, never the log. A DB outage queues rows
 * (then spills them to a file) and a shutdown flushes them, so no row is lost.
 */
import type { Knex } from 'knex';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import { definePlugin, parseDuration, periodicPurge, type PeriodicPurge } from '@sluice/plugin-sdk';
import type { SpendLogsConfig } from './config.generated.js';
import { LOG_TABLE, MIGRATIONS } from './migrations.js';

import { spendLogRow, withoutSecretValues, type SpendLogRow } from './spend-row.js';
import { spendRoutes } from './spend-routes.js';
import { spendBatchWriter } from './spend-writer.js';

export default definePlugin<SpendLogsConfig>({
  id: 'spend-logs',
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  setup(ctx, config) {
    // The kernel's knex instance: the SDK types it narrowly (SqlQueryBuilder); this plugin builds queries with knex.
    const knex = ctx.database.knex as Knex;
    const writer = new BatchWriter<SpendLogRow>({
      name: 'spend-logs',
      write: spendBatchWriter(ctx.database.batch),
      dataDir: ctx.dataDir,
      log: ctx.log,
      intervalMs: config.flush_interval_ms ?? 1000,
      maxBatch: config.max_batch ?? 500,
      maxQueued: config.max_queued ?? 10_000,
    });

    let retention: PeriodicPurge | undefined;
    const period = config.maximum_spend_logs_retention_period;
    if (period !== undefined) {
      const keepMs = parseDuration(period)!;
      retention = periodicPurge({
        name: 'spend-logs',
        intervalMs: parseDuration(config.maximum_spend_logs_retention_interval ?? '1d')!,
        counters: ctx.counters,
        log: ctx.log,
        purge: () => knex(LOG_TABLE).where('start_time', '<', ctx.now() - keepMs).delete(),
      });
    }

    return {
      async onSpend(event) {
        writer.push(withoutSecretValues(spendLogRow(event), ctx.secrets.scrub));
      },
      routes: spendRoutes(knex),
      async close() {
        await retention?.stop();
        await writer.close();
      },
    };
  },
});
