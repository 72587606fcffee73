/** LiteLLM's enterprise audit API: GET /audit (filters, pages) and GET /audit/{id}. Admins and admin viewers only. */
import type { Knex } from 'knex';
import type { RouteDefinition, Role } from '@sluice/plugin-sdk';
import { auditView } from './audit-row.js';
import { AuditErrors } from './errors.js';
import { AUDIT_TABLE } from './migrations.js';

const READERS: Role[] = ['proxy_admin', 'proxy_admin_viewer'];
const FILTERS = ['changed_by', 'changed_by_api_key', 'action', 'table_name', 'object_id'] as const;
const SORTABLE = ['updated_at', 'changed_by', 'action', 'table_name', 'object_id'];

type Query = Record<string, string | string[] | undefined>;

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function int(q: Query, name: string, fallback: number, max: number): number {
  const raw = one(q, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw AuditErrors.INVALID_PARAM({ param: name, reason: `expected an integer from 1 to ${max}` }, { param: name });
  return n;
}

/** A bare date covers its whole day (UTC); times without a zone are UTC. */
function date(q: Query, name: string, edge: 'start' | 'end'): number | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  const v = raw.trim();
  let ms: number;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) ms = Date.parse(`${v}T00:00:00.000Z`) + (edge === 'end' ? 86_400_000 - 1 : 0);
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) ms = Date.parse(`${v.replace(' ', 'T')}Z`);
  else ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw AuditErrors.INVALID_PARAM({ param: name, reason: `${JSON.stringify(raw)} is not a date (YYYY-MM-DD or ISO 8601)` }, { param: name });
  return ms;
}

export function auditRoutes(knex: Knex): RouteDefinition[] {
  return [
    {
      method: 'GET',
      url: '/audit',
      access: READERS,
      summary: 'Audit log of management operations: {audit_logs, total, page, page_size, total_pages}',
      tags: ['Audit Logging'],
      async handler(req) {
        const page = int(req.query, 'page', 1, 1_000_000);
        const pageSize = int(req.query, 'page_size', 10, 100);
        const sortBy = one(req.query, 'sort_by') ?? 'updated_at';
        const sortOrder = one(req.query, 'sort_order') ?? 'desc';
        if (!SORTABLE.includes(sortBy)) throw AuditErrors.INVALID_PARAM({ param: 'sort_by', reason: `expected one of ${SORTABLE.join(', ')}` }, { param: 'sort_by' });
        if (sortOrder !== 'asc' && sortOrder !== 'desc') throw AuditErrors.INVALID_PARAM({ param: 'sort_order', reason: 'expected asc or desc' }, { param: 'sort_order' });
        const start = date(req.query, 'start_date', 'start');
        const end = date(req.query, 'end_date', 'end');
        const where = (q: Knex.QueryBuilder) => {
          for (const f of FILTERS) {
            const v = one(req.query, f);
            if (v !== undefined) q.where(f, v);
          }
          if (start !== undefined) q.where('updated_at', '>=', start);
          if (end !== undefined) q.where('updated_at', '<=', end);
          return q;
        };
        const [{ n }] = (await where(knex(AUDIT_TABLE)).count({ n: '*' })) as [{ n: unknown }];
        const rows = (await where(knex(AUDIT_TABLE))
          .select()
          .orderBy([{ column: sortBy, order: sortOrder }, { column: 'id', order: sortOrder }])
          .limit(pageSize)
          .offset((page - 1) * pageSize)) as Record<string, unknown>[];
        const total = Number(n);
        return { body: { audit_logs: rows.map(auditView), total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) } };
      },
    },
    {
      method: 'GET',
      url: '/audit/:id',
      access: READERS,
      summary: 'One audit log entry',
      tags: ['Audit Logging'],
      async handler(req) {
        const id = req.params.id ?? '';
        const row = (await knex(AUDIT_TABLE).where('id', id).first()) as Record<string, unknown> | undefined;
        if (!row) throw AuditErrors.NOT_FOUND({ id });
        return { body: auditView(row) };
      },
    },
  ];
}
