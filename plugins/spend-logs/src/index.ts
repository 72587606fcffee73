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
import { definePlugin, parseDuration, periodicPurge, type CallContext, type PeriodicPurge } from '@sluice/plugin-sdk';
import type { SpendLogsConfig } from './config.generated.js';
import { LOG_TABLE, MIGRATIONS } from './migrations.js';

import { spendLogRow, withoutSecretValues, type SpendLogRow } from './spend-row.js';
import { spendRoutes } from './spend-routes.js';
import { globalSpendRoutes } from './global-spend-routes.js';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_QUEUED, spendBatchWriter } from './spend-writer.js';
import { DEFAULT_MAX_STRING_LENGTH, PromptRecorder } from './prompt-fields.js';
import { litellmSpendImporter } from './litellm-import.js';

const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v.trim()));

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
      maxBatch: config.max_batch ?? DEFAULT_MAX_BATCH[ctx.database.dialect],
      maxQueued: config.max_queued ?? DEFAULT_MAX_QUEUED[ctx.database.dialect],
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

    // store_prompts_in_spend_logs: a preCall only then, so other gateways pay nothing for it.
    const maxString = Number(config.max_string_length_prompt_in_db ?? DEFAULT_MAX_STRING_LENGTH);
    const prompts = truthy(config.store_prompts_in_spend_logs)
      ? new PromptRecorder(Number.isInteger(maxString) && maxString >= 0 ? maxString : DEFAULT_MAX_STRING_LENGTH, {
          turnOffMessageLogging: ctx.settings.litellm_settings.turn_off_message_logging === true,
        })
      : undefined;

    return {
      async onSpend(event) {
        writer.push(withoutSecretValues(spendLogRow(event, prompts?.take(event.requestId, event.requestBody?.())), ctx.secrets.scrub));
      },
      ...(prompts && {
        async preCall(call: CallContext) {
          prompts.note(call);
        },
      }),
      routes: [...spendRoutes(knex), ...globalSpendRoutes(knex, () => ctx.now(), () => config.proxy_max_budget ?? 0)],
      importers: [litellmSpendImporter(ctx)],
      async close() {
        await retention?.stop();
        await writer.close();
      },
    };
  },
});
