/**
 * Audit log: every management operation delivered to `onAudit` (actor, role, action, object,
 * before/after, IP, request id) is stored through the SDK's durable batch writer, with secrets
 * stripped again here; LiteLLM's `GET /audit` and `GET /audit/{id}` read it; `audit_log_retention`
 * purges old rows periodically on one instance at a time.
 */
import type { Knex } from 'knex';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import { definePlugin, parseDuration, periodicPurge, type PeriodicPurge } from '@sluice/plugin-sdk';
import { auditRow, type AuditRow } from './audit-row.js';
import { auditRoutes } from './audit-routes.js';
import type { AuditLogConfig } from './config.generated.js';
import { AUDIT_TABLE, MIGRATIONS } from './migrations.js';
import { litellmAuditImporter } from './litellm-import.js';


/** Columns per row, for the bind-parameter limit of one insert (SQLite allows 32,766). */
const COLUMNS = 12;

export default definePlugin<AuditLogConfig>({
  id: 'audit-log',
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  setup(ctx, config) {
    // The kernel's knex instance: the SDK types it narrowly (SqlQueryBuilder); this plugin builds queries with knex.
    const knex = ctx.database.knex as Knex;
    const chunk = Math.floor(30_000 / COLUMNS);
    const writer = new BatchWriter<AuditRow>({
      name: 'audit-log',
      // Idempotent: a batch written twice (lost acknowledgement, spill replay) inserts each id once.
      write: (rows) =>
        knex.transaction(async (trx) => {
          for (let i = 0; i < rows.length; i += chunk) await trx(AUDIT_TABLE).insert(rows.slice(i, i + chunk)).onConflict('id').ignore();
        }),
      dataDir: ctx.dataDir,
      log: ctx.log,
      intervalMs: config.flush_interval_ms ?? 1000,
      maxBatch: config.max_batch ?? 200,
    });

    let retention: PeriodicPurge | undefined;
    if (config.audit_log_retention !== undefined) {
      const keepMs = parseDuration(config.audit_log_retention)!;
      retention = periodicPurge({
        name: 'audit-log',
        intervalMs: parseDuration(config.audit_log_retention_interval ?? '1d')!,
        counters: ctx.counters,
        log: ctx.log,
        purge: () => knex(AUDIT_TABLE).where('updated_at', '<', ctx.now() - keepMs).delete(),
      });
    }

    const record = config.store_audit_logs !== false;
    return {
      ...(record && {
        async onAudit(event) {
          writer.push(auditRow(event));
        },
      }),
      routes: auditRoutes(knex),
      importers: [litellmAuditImporter(knex)],
      async close() {
        await retention?.stop();
        await writer.close();
      },
    };
  },
});
