/**
 * `sluice import litellm`, audit part: LiteLLM_AuditLog → the audit log, a page at a time by
 * (`updated_at`, `id`), secrets stripped as for Sluice's own entries. Entries never change, so an
 * entry whose id is stored is `unchanged` and a second import writes nothing. `--since` and the
 * `--follow` cursor read only newer entries.
 */
import type { Knex } from 'knex';
import type { Importer, ImportInput, ImportOutcome, ImportTableReport } from '@sluice/plugin-sdk';
import { stripSecrets, type AuditRow } from './audit-row.js';
import { AUDIT_TABLE } from './migrations.js';

const SOURCE = 'LiteLLM_AuditLog';
const PAGE = 2000;
const COLUMNS = ['id', 'updated_at', 'changed_by', 'changed_by_api_key', 'action', 'table_name', 'object_id', 'before_value', 'updated_values'];

interface Cursor {
  t: string;
  id: string;
}

export function litellmAuditImporter(knex: Knex): Importer {
  return { source: 'litellm', entity: 'audit-log', after: ['tenancy', 'models'], run: (input) => runImport(knex, input) };
}

function parsed(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(stripSecrets(parsed(v))));

export function auditRowOf(r: Record<string, unknown>): AuditRow {
  return {
    id: String(r.id),
    updated_at: r.updated_at instanceof Date ? r.updated_at.getTime() : Date.parse(String(r.updated_at)) || 0,
    changed_by: String(r.changed_by ?? ''),
    changed_by_role: '',
    changed_by_api_key: String(r.changed_by_api_key ?? ''),
    action: String(r.action ?? ''),
    table_name: String(r.table_name ?? ''),
    object_id: String(r.object_id ?? ''),
    before_value: json(r.before_value),
    updated_values: json(r.updated_values),
    ip: null,
    request_id: null,
  };
}

async function runImport(knex: Knex, { source, options, report, signal }: ImportInput): Promise<ImportOutcome> {
  const cols = await source.columns(SOURCE);
  if (!options.cursor) report.feature(SOURCE, cols.size > 0);
  if (cols.size === 0) return options.cursor ? { cursor: options.cursor } : {};
  const select = COLUMNS.filter((c) => cols.has(c)).map((c) => `"${c}"`).join(', ');
  const table = report.table(`${SOURCE} → ${AUDIT_TABLE}`);
  const previous = options.cursor ? (JSON.parse(options.cursor) as Cursor) : undefined;
  let after: [Date, string] | undefined = previous ? [new Date(previous.t), previous.id] : undefined;
  let last = previous;
  for (;;) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (options.since) {
      params.push(options.since);
      where.push(`"updated_at" >= $${params.length}`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`("updated_at", "id") > ($${params.length - 1}, $${params.length})`);
    }
    params.push(PAGE);
    const rows = await source.query(`SELECT ${select} FROM "${SOURCE}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "updated_at", "id" LIMIT $${params.length}`, params);
    if (rows.length === 0) break;
    const end = rows[rows.length - 1]!;
    after = [end.updated_at as Date, String(end.id)];
    last = { t: (end.updated_at as Date).toISOString(), id: String(end.id) };
    table.read(rows.length);
    await writePage(knex, rows.map(auditRowOf), table, options.dryRun);
    if (rows.length < PAGE || signal.aborted) break;
  }
  return last ? { cursor: JSON.stringify(last) } : {};
}

async function writePage(knex: Knex, rows: AuditRow[], table: ImportTableReport, dryRun: boolean): Promise<void> {
  const stored = new Set(((await knex(AUDIT_TABLE).whereIn('id', rows.map((r) => r.id)).select('id')) as Array<{ id: string }>).map((r) => r.id));
  const fresh = rows.filter((r) => !stored.has(r.id));
  table.unchanged(rows.length - fresh.length);
  table.inserted(fresh.length);
  if (dryRun || fresh.length === 0) return;
  const chunk = Math.floor(30_000 / 12);
  await knex.transaction(async (trx) => {
    for (let i = 0; i < fresh.length; i += chunk) await trx(AUDIT_TABLE).insert(fresh.slice(i, i + chunk)).onConflict('id').ignore();
  });
}
