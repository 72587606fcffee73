/**
 * `sluice import litellm`, budget part: the spend LiteLLM counted against each budget so far
 * (`spend` of keys, users, teams, organizations, projects, end users, tags and team members) →
 * this plugin's window spend, in the budget window that is current now (aligned as the tenancy
 * scopes align it: `budget_reset_at`, else `created_at`, is the anchor). That is what a gateway
 * seeds its counters from, so a key LiteLLM let spend 4.90 of 5.00 has 0.10 left here too.
 *
 * Only records with spend are read. Rows are set (not added to) and compared first, so a second
 * import changes nothing; during `--follow` LiteLLM stays the source of truth for spend.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { budgetWindow, teamMemberScopeId, type Importer, type ImportInput, type ImportOutcome, type ImportSource, type ScopeKind } from '@sluice/plugin-sdk';
import { WINDOW_SPEND_TABLE } from './migrations.js';

type SourceRow = Record<string, unknown>;

interface Spent {
  kind: ScopeKind;
  id: string;
  spend: number;
  duration: string | null;
  anchor: number;
}

const TABLES: ReadonlyArray<{ table: string; kind: ScopeKind; id: string }> = [
  { table: 'LiteLLM_VerificationToken', kind: 'key', id: 'token' },
  { table: 'LiteLLM_UserTable', kind: 'user', id: 'user_id' },
  { table: 'LiteLLM_TeamTable', kind: 'team', id: 'team_id' },
  { table: 'LiteLLM_OrganizationTable', kind: 'organization', id: 'organization_id' },
  { table: 'LiteLLM_ProjectTable', kind: 'project', id: 'project_id' },
  { table: 'LiteLLM_EndUserTable', kind: 'customer', id: 'user_id' },
  { table: 'LiteLLM_TagTable', kind: 'tag', id: 'tag_name' },
];
const PAGE = 2000;

const ms = (v: unknown): number | null => (v instanceof Date ? v.getTime() : v === null || v === undefined ? null : Number.isNaN(Date.parse(String(v))) ? null : Date.parse(String(v)));
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** LiteLLM's key rows hold the SHA-256 hex of the key (very old ones the `sk-` key itself). */
function keyId(token: string): string | undefined {
  if (/^[0-9a-f]{64}$/.test(token)) return token;
  return token.startsWith('sk-') ? createHash('sha256').update(token).digest('hex') : undefined;
}

export function litellmBudgetImporter(knex: Knex, now: () => number): Importer {
  return { source: 'litellm', entity: 'budget-windows', after: ['tenancy'], run: (input) => runImport(knex, now(), input) };
}

async function runImport(knex: Knex, now: number, { source, options, report, signal }: ImportInput): Promise<ImportOutcome> {
  const table = report.table(`spend so far → ${WINDOW_SPEND_TABLE}`);
  const budgets = await budgetRows(source);
  const spent: Spent[] = [];
  for (const t of TABLES) {
    const cols = await source.columns(t.table);
    if (!cols.has('spend')) continue;
    const wanted = [t.id, 'spend', 'budget_duration', 'budget_reset_at', 'created_at', 'budget_id'].filter((c) => cols.has(c));
    for await (const rows of paged(source, t.table, wanted, t.id)) {
      for (const r of rows) {
        const id = t.kind === 'key' ? keyId(String(r[t.id])) : String(r[t.id]);
        if (!id) continue;
        const budget = budgets.get(str(r.budget_id) ?? '');
        spent.push({
          kind: t.kind,
          id,
          spend: Number(r.spend),
          duration: str(r.budget_duration) ?? str(budget?.budget_duration),
          anchor: ms(r.budget_reset_at) ?? ms(budget?.budget_reset_at) ?? ms(r.created_at) ?? 0,
        });
      }
      if (signal.aborted) break;
    }
  }
  // A member's spend inside its team: the `team_member` scope, anchored at the team's creation (principal.ts).
  if ((await source.columns('LiteLLM_TeamMembership')).has('spend')) {
    const teams = new Map<string, number>();
    if ((await source.columns('LiteLLM_TeamTable')).has('created_at')) {
      for (const t of await source.query('SELECT "team_id", "created_at" FROM "LiteLLM_TeamTable"')) teams.set(String(t.team_id), ms(t.created_at) ?? 0);
    }
    for (const m of await source.query('SELECT "team_id", "user_id", "spend", "budget_id" FROM "LiteLLM_TeamMembership" WHERE "spend" > 0')) {
      const budget = budgets.get(str(m.budget_id) ?? '');
      spent.push({ kind: 'team_member', id: teamMemberScopeId(String(m.team_id), String(m.user_id)), spend: Number(m.spend), duration: str(budget?.budget_duration), anchor: teams.get(String(m.team_id)) ?? 0 });
    }
  }
  table.read(spent.length);

  const rows = spent.map((s) => {
    const w = (s.duration && budgetWindow(s.duration, now, s.anchor)) || { start: 0, end: null };
    return { scope_kind: s.kind, scope_id: s.id, model: '', window_start: w.start, window_end: w.end, spend: s.spend, updated_at: now };
  });
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const found = (await knex(WINDOW_SPEND_TABLE).whereIn(['scope_kind', 'scope_id', 'model', 'window_start'], batch.map((r) => [r.scope_kind, r.scope_id, r.model, r.window_start]))) as SourceRow[];
    const stored = new Map(found.map((f) => [`${f.scope_kind}\u0000${f.scope_id}\u0000${Number(f.window_start)}`, Number(f.spend)]));
    const inserts: typeof rows = [];
    const updates: typeof rows = [];
    for (const r of batch) {
      const before = stored.get(`${r.scope_kind}\u0000${r.scope_id}\u0000${r.window_start}`);
      if (before === undefined) inserts.push(r);
      else if (before !== r.spend) updates.push(r);
      else table.unchanged();
    }
    table.inserted(inserts.length);
    table.updated(updates.length);
    if (options.dryRun || inserts.length + updates.length === 0) continue;
    await knex.transaction(async (trx) => {
      if (inserts.length > 0) await trx(WINDOW_SPEND_TABLE).insert(inserts);
      for (const r of updates) await trx(WINDOW_SPEND_TABLE).where({ scope_kind: r.scope_kind, scope_id: r.scope_id, model: '', window_start: r.window_start }).update({ spend: r.spend, updated_at: r.updated_at });
    });
  }
  if (!options.cursor && rows.length > 0) report.note('budgets: the spend LiteLLM counted so far is carried into the current budget window of each key, user, team, organization, project, customer, tag and team member');
  return {};
}

async function budgetRows(source: ImportSource): Promise<Map<string, SourceRow>> {
  const cols = await source.columns('LiteLLM_BudgetTable');
  if (cols.size === 0) return new Map();
  const rows = await source.query('SELECT "budget_id", "budget_duration", "budget_reset_at" FROM "LiteLLM_BudgetTable"');
  return new Map(rows.map((r) => [String(r.budget_id), r]));
}

async function* paged(source: ImportSource, table: string, cols: readonly string[], key: string): AsyncGenerator<SourceRow[]> {
  let after: unknown;
  for (;;) {
    const params: unknown[] = after === undefined ? [PAGE] : [after, PAGE];
    const rows = await source.query(
      `SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${table}" WHERE "spend" > 0${after === undefined ? '' : ` AND "${key}" > $1`} ORDER BY "${key}" LIMIT $${params.length}`,
      params,
    );
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]![key];
  }
}
