/**
 * `sluice import litellm`, tenancy part: LiteLLM's budgets, organizations, teams (with
 * `members_with_roles` and per-member budgets), users, organization memberships, projects, end
 * users, tags and virtual keys → this plugin's tables. Keys keep their SHA-256 hash, so every
 * `sk-…` LiteLLM handed out authenticates here unchanged, with its limits, budget window, spend so
 * far, expiry and blocked state. Reads only the columns the source has (any LiteLLM version), keys
 * a page at a time; writes compare first (litellm-import-upsert.ts), so a second run changes
 * nothing. With a `--follow` cursor, keys, users and teams are read only when changed since.
 */
import type { Knex } from 'knex';
import type { ImportInput, ImportOutcome, ImportReporter, ImportSource, Importer } from '@sluice/plugin-sdk';
import { BUDGETS, CUSTOMERS, ORGANIZATIONS, ORG_MEMBERS_TABLE, PROJECTS, TAGS, TEAMS, TEAM_MEMBERS_TABLE, USERS } from './entity-tables.js';
import { KEYS_TABLE } from './migrations.js';
import { KeyStore } from './key-store.js';
import {
  NOT_CARRIED,
  budgetRow,
  customerRow,
  keyRow,
  memberRow,
  orgMemberRow,
  organizationRow,
  projectRow,
  tagRow,
  teamMemberRows,
  teamRow,
  tokenHashOf,
  userRow,
  type Budgets,
  type ObjectPermissions,
} from './litellm-import-rows.js';
import { allRows, isSet, num, pages, sourceTable, str, type SourceRow, type SourceTable } from './litellm-import-source.js';
import { upsertRows, type Row } from './litellm-import-upsert.js';
import type { TenancyDeps } from './tenancy-deps.js';

const T = {
  budgets: 'LiteLLM_BudgetTable',
  permissions: 'LiteLLM_ObjectPermissionTable',
  orgs: 'LiteLLM_OrganizationTable',
  modelAliases: 'LiteLLM_ModelTable',
  teams: 'LiteLLM_TeamTable',
  users: 'LiteLLM_UserTable',
  teamMemberships: 'LiteLLM_TeamMembership',
  orgMemberships: 'LiteLLM_OrganizationMembership',
  projects: 'LiteLLM_ProjectTable',
  endUsers: 'LiteLLM_EndUserTable',
  tags: 'LiteLLM_TagTable',
  keys: 'LiteLLM_VerificationToken',
} as const;

const COLUMNS: Record<string, readonly string[]> = {
  [T.budgets]: ['budget_id', 'max_budget', 'soft_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit', 'model_max_budget', 'budget_duration', 'budget_reset_at', 'allowed_models', 'created_at', 'updated_at'],
  [T.orgs]: ['organization_id', 'organization_alias', 'budget_id', 'metadata', 'models', 'spend', 'model_spend', 'object_permission_id', 'created_at', 'created_by', 'updated_at', 'updated_by'],
  [T.modelAliases]: ['id', 'aliases'],
  [T.teams]: [
    'team_id', 'team_alias', 'organization_id', 'object_permission_id', 'admins', 'members', 'members_with_roles', 'metadata', 'max_budget', 'soft_budget', 'spend', 'models',
    'max_parallel_requests', 'tpm_limit', 'rpm_limit', 'budget_duration', 'budget_reset_at', 'blocked', 'created_at', 'updated_at', 'model_spend', 'model_max_budget',
    'router_settings', 'team_member_permissions', 'access_group_ids', 'policies', 'default_team_member_models', 'budget_limits', 'model_id', 'allow_team_guardrail_config',
  ],
  [T.users]: [
    'user_id', 'user_alias', 'team_id', 'sso_user_id', 'organization_id', 'object_permission_id', 'password', 'teams', 'user_role', 'max_budget', 'spend', 'user_email', 'models',
    'metadata', 'max_parallel_requests', 'tpm_limit', 'rpm_limit', 'budget_duration', 'budget_reset_at', 'allowed_cache_controls', 'policies', 'model_spend', 'model_max_budget',
    'created_at', 'updated_at',
  ],
  [T.teamMemberships]: ['user_id', 'team_id', 'spend', 'budget_id'],
  [T.orgMemberships]: ['user_id', 'organization_id', 'user_role', 'spend', 'budget_id'],
  [T.projects]: [
    'project_id', 'project_alias', 'description', 'team_id', 'budget_id', 'metadata', 'models', 'spend', 'model_spend', 'model_rpm_limit', 'model_tpm_limit', 'blocked',
    'object_permission_id', 'created_at', 'updated_at',
  ],
  [T.endUsers]: ['user_id', 'alias', 'spend', 'allowed_model_region', 'default_model', 'budget_id', 'object_permission_id', 'blocked'],
  [T.tags]: ['tag_name', 'description', 'models', 'model_info', 'spend', 'budget_id', 'created_at', 'updated_at'],
  [T.keys]: [
    'token', 'key_name', 'key_alias', 'soft_budget_cooldown', 'spend', 'expires', 'models', 'aliases', 'config', 'router_settings', 'user_id', 'team_id', 'agent_id', 'project_id',
    'permissions', 'max_parallel_requests', 'metadata', 'blocked', 'tpm_limit', 'rpm_limit', 'max_budget', 'budget_duration', 'budget_reset_at', 'allowed_cache_controls',
    'allowed_routes', 'policies', 'access_group_ids', 'model_spend', 'model_max_budget', 'budget_id', 'organization_id', 'object_permission_id', 'created_at', 'created_by',
    'updated_at', 'updated_by', 'last_active', 'rotation_count', 'auto_rotate', 'rotation_interval', 'last_rotation_at', 'key_rotation_at', 'budget_limits',
  ],
};

const DELETED_KEYS = 'LiteLLM_DeletedVerificationToken';

/** Key columns whose presence tells the operator which LiteLLM generation this is. */
const KEY_FEATURES = ['budget_id', 'organization_id', 'object_permission_id', 'project_id', 'allowed_routes', 'auto_rotate', 'router_settings'];

/** Clocks of LiteLLM's pods and of its database differ: a --follow pass re-reads this much before its cursor. */
const FOLLOW_OVERLAP_MS = 60_000;

interface Cursor {
  /** ISO time of the last pass's snapshot. */
  since: string;
}

export function litellmTenancyImporter(deps: TenancyDeps): Importer {
  return { source: 'litellm', entity: 'tenancy', run: (input) => runImport(deps, input) };
}

async function runImport(deps: TenancyDeps, { source, options, report, signal }: ImportInput): Promise<ImportOutcome> {
  const knex = deps.ctx.database.knex as Knex;
  const [{ now }] = await source.query<{ now: Date }>('SELECT transaction_timestamp() AS now');
  const previous = options.cursor ? (JSON.parse(options.cursor) as Cursor) : undefined;
  const changedSince = previous ? new Date(Date.parse(previous.since) - FOLLOW_OVERLAP_MS) : undefined;
  const tables = new Map<string, SourceTable>();
  for (const [name, cols] of Object.entries(COLUMNS)) tables.set(name, await sourceTable(source, name, cols));
  const perm = await sourceTable(source, T.permissions, [...(await source.columns(T.permissions))]);
  tables.set(T.permissions, perm);
  if (!previous) describeSchema(report, tables);

  const write = (table: string, keys: readonly string[], rows: Row[], label: string, insertOnly?: readonly string[]) =>
    upsertRows(knex, table, keys, rows, report.table(label), { dryRun: options.dryRun, insertOnly });
  const changedIn = (t: SourceTable) => (changedSince && t.has('updated_at') ? { sql: '"updated_at" >= $1', params: [changedSince] } : undefined);
  let entitiesChanged = 0;

  // Budgets first: organizations, projects, customers, tags and member budgets take their limits.
  const budgetRows = await allRows(source, tables.get(T.budgets)!, 'budget_id');
  const budgets: Budgets = new Map(budgetRows.map((b) => [String(b.budget_id), b]));
  counted(report, T.budgets, BUDGETS.table, budgetRows);
  entitiesChanged += (await write(BUDGETS.table, ['budget_id'], budgetRows.map(budgetRow), label(T.budgets, BUDGETS.table))).length;

  const perms: ObjectPermissions = new Map();
  for (const p of await allRows(source, perm, 'object_permission_id')) perms.set(String(p.object_permission_id), p);

  const orgs = await allRows(source, tables.get(T.orgs)!, 'organization_id');
  counted(report, T.orgs, ORGANIZATIONS.table, orgs);
  entitiesChanged += (await write(ORGANIZATIONS.table, ['organization_id'], orgs.map((o) => organizationRow(o, budgets, perms)), label(T.orgs, ORGANIZATIONS.table))).length;

  const aliasRows = await allRows(source, tables.get(T.modelAliases)!, 'id');
  const modelAliases = new Map(aliasRows.map((a) => [Number(a.id), objectOf(a.aliases)]));
  const memberships = new Map<string, SourceRow>();
  for (const m of await allRows(source, tables.get(T.teamMemberships)!, 'user_id')) memberships.set(`${m.team_id}\u0000${m.user_id}`, m);
  const emails = await userEmails(source, tables.get(T.users)!);

  const teams: SourceRow[] = [];
  for await (const page of pages(source, tables.get(T.teams)!, 'team_id', changedIn(tables.get(T.teams)!))) teams.push(...page);
  counted(report, T.teams, TEAMS.table, teams);
  entitiesChanged += (await write(TEAMS.table, ['team_id'], teams.map((t) => teamRow(t, perms, modelAliases)), label(T.teams, TEAMS.table))).length;
  const memberRows: Row[] = [];
  const memberReport = report.table(label(`${T.teams}.members_with_roles`, TEAM_MEMBERS_TABLE));
  for (const team of teams) {
    const { rows, withoutUserId } = teamMemberRows(team, memberships, budgets, emails);
    memberRows.push(...rows);
    memberReport.read(rows.length + withoutUserId);
    if (withoutUserId > 0) memberReport.skipped('member without user_id (invited by email only)', withoutUserId);
  }

  const users: SourceRow[] = [];
  for await (const page of pages(source, tables.get(T.users)!, 'user_id', changedIn(tables.get(T.users)!))) users.push(...page);
  counted(report, T.users, USERS.table, users);
  entitiesChanged += (await write(USERS.table, ['user_id'], users.map((u) => userRow(u, perms)), label(T.users, USERS.table))).length;
  if (!previous) {
    // `LiteLLM_UserTable.teams` lists teams whose members_with_roles may have lost the user (older versions): a plain member.
    const teamIds = new Set(teams.map((t) => String(t.team_id)));
    const listed = new Set(memberRows.map((m) => `${m.team_id}\u0000${m.user_id}`));
    for (const u of users) {
      for (const teamId of Array.isArray(u.teams) ? u.teams.map(String) : []) {
        if (!teamIds.has(teamId) || listed.has(`${teamId}\u0000${u.user_id}`)) continue;
        listed.add(`${teamId}\u0000${u.user_id}`);
        memberRows.push(memberRow(teamId, String(u.user_id), 'user', str(u.user_email), memberships, budgets));
        memberReport.read();
      }
    }
  }
  entitiesChanged += (await upsertRows(knex, TEAM_MEMBERS_TABLE, ['team_id', 'user_id'], memberRows, memberReport, { dryRun: options.dryRun })).length;

  const orgMembers = await allRows(source, tables.get(T.orgMemberships)!, 'user_id');
  counted(report, T.orgMemberships, ORG_MEMBERS_TABLE, orgMembers);
  entitiesChanged += (await write(ORG_MEMBERS_TABLE, ['organization_id', 'user_id'], orgMembers.map((m) => orgMemberRow(m, emails)), label(T.orgMemberships, ORG_MEMBERS_TABLE))).length;

  const teamOrg = new Map(teams.map((t) => [String(t.team_id), str(t.organization_id)]));
  const projects = await allRows(source, tables.get(T.projects)!, 'project_id');
  counted(report, T.projects, PROJECTS.table, projects);
  entitiesChanged += (await write(PROJECTS.table, ['project_id'], projects.map((p) => projectRow(p, budgets, teamOrg)), label(T.projects, PROJECTS.table))).length;

  const endUsers = await allRows(source, tables.get(T.endUsers)!, 'user_id');
  counted(report, T.endUsers, CUSTOMERS.table, endUsers);
  const importedAt = deps.ctx.now();
  entitiesChanged += (
    await write(CUSTOMERS.table, ['user_id'], endUsers.map((c) => customerRow(c, budgets, perms, importedAt)), label(T.endUsers, CUSTOMERS.table), ['created_at', 'updated_at'])
  ).length;

  const tags = await allRows(source, tables.get(T.tags)!, 'tag_name');
  counted(report, T.tags, TAGS.table, tags);
  entitiesChanged += (await write(TAGS.table, ['name'], tags.map((t) => tagRow(t, budgets)), label(T.tags, TAGS.table))).length;

  // Keys last (they point at everything above), a page at a time.
  const keys = tables.get(T.keys)!;
  const keyReport = report.table(label(T.keys, KEYS_TABLE));
  const changedKeys: string[] = [];
  for await (const page of pages(source, keys, 'token', changedIn(keys))) {
    counted(report, T.keys, KEYS_TABLE, page);
    const rows: Row[] = [];
    for (const r of page) {
      const token = tokenHashOf(r.token);
      if (token) rows.push(keyRow(r, token, budgets, perms));
      else keyReport.skipped('token is neither a SHA-256 hash nor an sk- key');
    }
    const written = await write(KEYS_TABLE, ['token_hash'], dedupe(rows), label(T.keys, KEYS_TABLE));
    changedKeys.push(...written.map((r) => String(r.token_hash)));
    if (signal.aborted) break;
  }
  if (previous) {
    // LiteLLM adds spend with plain UPDATEs that need not touch `updated_at`: every follow pass compares it.
    changedKeys.push(...(await syncSpend(source, knex, keys, 'token', KEYS_TABLE, 'token_hash', report.table(label(T.keys, KEYS_TABLE)), options.dryRun)));
    const users = tables.get(T.users)!;
    const teamsTable = tables.get(T.teams)!;
    entitiesChanged += (await syncSpend(source, knex, users, 'user_id', USERS.table, 'user_id', report.table(label(T.users, USERS.table)), options.dryRun)).length;
    entitiesChanged += (await syncSpend(source, knex, teamsTable, 'team_id', TEAMS.table, 'team_id', report.table(label(T.teams, TEAMS.table)), options.dryRun)).length;
  }
  changedKeys.push(...(await deleteRevokedKeys(source, knex, keyReport, options.dryRun, changedSince, !previous ? report : undefined)));

  if (!options.dryRun) {
    if (changedKeys.length > 0) await deps.invalidateKeys(changedKeys);
    if (entitiesChanged > 0) await deps.entityChanged('import', String(entitiesChanged));
  }
  return { cursor: JSON.stringify({ since: now.toISOString() } satisfies Cursor) };
}

/** Sets `spend` where LiteLLM's differs (ids as stored here: key tokens hashed); resolves to the ids changed. */
async function syncSpend(
  source: ImportSource,
  knex: Knex,
  from: SourceTable,
  sourceId: string,
  target: string,
  targetId: string,
  report: ReturnType<ImportReporter['table']>,
  dryRun: boolean,
): Promise<string[]> {
  if (!from.present || !from.has('spend')) return [];
  const changed: string[] = [];
  const spendOnly: SourceTable = { ...from, select: `"${sourceId}", "spend"` };
  for await (const page of pages(source, spendOnly, sourceId)) {
    const bySource = new Map<string, number>();
    for (const r of page) {
      const id = sourceId === 'token' ? tokenHashOf(r.token) : String(r[sourceId]);
      if (id) bySource.set(id, num(r.spend) ?? 0);
    }
    const stored = (await knex(target).whereIn(targetId, [...bySource.keys()]).select(targetId, 'spend')) as Row[];
    const updates = stored.filter((s) => Number(s.spend) !== bySource.get(String(s[targetId])));
    report.updated(updates.length);
    if (dryRun || updates.length === 0) continue;
    await knex.transaction(async (trx) => {
      for (const u of updates) await trx(target).where(targetId, String(u[targetId])).update({ spend: bySource.get(String(u[targetId])) });
    });
    changed.push(...updates.map((u) => String(u[targetId])));
  }
  return changed;
}

/**
 * Keys LiteLLM deleted (its `LiteLLM_DeletedVerificationToken` audit table, newer versions) and no
 * longer has: revoked here too, so a key revoked during a `--follow` cut-over stops working on both.
 */
async function deleteRevokedKeys(
  source: ImportSource,
  knex: Knex,
  keyReport: ReturnType<ImportReporter['table']>,
  dryRun: boolean,
  changedSince: Date | undefined,
  features: ImportReporter | undefined,
): Promise<string[]> {
  const cols = await source.columns(DELETED_KEYS);
  features?.feature(DELETED_KEYS, cols.size > 0 ? 'yes (keys LiteLLM deleted are deleted here too)' : false);
  if (!cols.has('token')) return [];
  const since = changedSince && cols.has('deleted_at') ? changedSince : undefined;
  const rows = await source.query<{ token: string }>(
    `SELECT DISTINCT d."token" FROM "${DELETED_KEYS}" d WHERE NOT EXISTS (SELECT 1 FROM "${T.keys}" v WHERE v."token" = d."token")${since ? ' AND d."deleted_at" >= $1' : ''}`,
    since ? [since] : [],
  );
  const hashes = [...new Set(rows.map((r) => tokenHashOf(r.token)).filter((h): h is string => h !== undefined))];
  const gone: string[] = [];
  for (let i = 0; i < hashes.length; i += 500) {
    const stored = (await knex(KEYS_TABLE).whereIn('token_hash', hashes.slice(i, i + 500)).select('token_hash')) as Array<{ token_hash: string }>;
    gone.push(...stored.map((r) => r.token_hash));
  }
  keyReport.deleted(gone.length);
  if (dryRun || gone.length === 0) return [];
  await new KeyStore(knex).delete(gone);
  return gone;
}

/** Two legacy rows (plain `sk-` and its hash) can name one key: the hashed one wins. */
function dedupe(rows: Row[]): Row[] {
  const byToken = new Map<string, Row>();
  for (const r of rows) byToken.set(String(r.token_hash), r);
  return [...byToken.values()];
}

function label(source: string, target: string): string {
  return `${source} → ${target}`;
}

/** Counts the rows read and the fields set that Sluice cannot keep. */
function counted(report: ImportReporter, source: string, target: string, rows: readonly SourceRow[]): void {
  const t = report.table(label(source, target));
  t.read(rows.length);
  for (const field of NOT_CARRIED[source] ?? []) {
    const n = rows.filter((r) => isSet(r[field]) && !(field === 'rotation_count' && num(r[field]) === 0)).length;
    if (n > 0) t.notCarried(field, n);
  }
}

function describeSchema(report: ImportReporter, tables: Map<string, SourceTable>): void {
  for (const [name, t] of tables) report.feature(name, t.present);
  const keys = tables.get(T.keys)!;
  for (const c of KEY_FEATURES) report.feature(`${T.keys}.${c}`, keys.has(c));
  report.feature(`${T.teams}.members_with_roles`, tables.get(T.teams)!.has('members_with_roles'));
}

async function userEmails(source: ImportSource, users: SourceTable): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (!users.present || !users.has('user_email')) return out;
  for (const r of await source.query<{ user_id: string; user_email: string | null }>('SELECT "user_id", "user_email" FROM "LiteLLM_UserTable"')) out.set(r.user_id, r.user_email);
  return out;
}

function objectOf(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      return objectOf(JSON.parse(v));
    } catch {
      return {};
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
