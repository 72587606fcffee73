/**
 * LiteLLM's organizations: /organization/new, /organization/update, /organization/info,
 * /organization/delete, /organization/list, /organization/member_add. Limits show under
 * `litellm_budget_table` as LiteLLM nests them.
 */
import { randomUUID } from 'node:crypto';
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { budgetTableOf, entityView, newLimits, nextReset, type OrgRecord, type UserRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { budget, first, idList, invalid, LIMIT_FIELDS, nullableString, object, orUnset, parseFields, requiredId, stringList, type Check } from './field-checks.js';
import { moveExtras, ORGANIZATION_DEFAULTS, ORGANIZATION_STORED, storedOnly } from './litellm-extras.js';
import { accessOf, assertManage, assertRead, canRead } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

/** LiteLLM's NewOrganizationRequest / UpdateOrganizationRequest (null leaves a list or object as it is). */
const FIELDS: Record<string, Check> = {
  organization_alias: nullableString,
  models: orUnset(stringList),
  budget_id: nullableString,
  metadata: orUnset(object),
  spend: orUnset(budget),
  ...LIMIT_FIELDS,
  ...storedOnly(ORGANIZATION_STORED),
};

const ORG_ROLES = ['org_admin', 'internal_user', 'internal_user_viewer'];

const orgTarget = (id: string) => ({ organizations: [id] });

export function organizationRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;

  const view = async (o: OrgRecord) => {
    const budget = o.budget_id ? await stores.budgets.find(o.budget_id) : undefined;
    const members = (await stores.members.orgMembers([o.organization_id])).get(o.organization_id) ?? [];
    const { records: teams } = await stores.teams.list({ organization_id: o.organization_id }, 1, 10_000);
    // Every field of LiteLLM_OrganizationTable (+ members, teams as /organization/info shows them).
    return { ...ORGANIZATION_DEFAULTS, ...entityView(o), litellm_budget_table: budgetTableOf(o, budget), members, teams: teams.map((t) => entityView(t)) };
  };

  const checkBudget = async (id: unknown) => {
    if (typeof id === 'string') await mustFind(stores.budgets, id, 'budget_id');
  };

  return [
    {
      method: 'POST',
      url: '/organization/new',
      access: accessOf('/organization/new'),
      summary: 'Create an organization',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/organization/new', FIELDS, ['organization_id']);
        const id = input.organization_id === undefined || input.organization_id === null ? randomUUID() : requiredId(input, 'organization_id');
        await checkBudget(fields.budget_id);
        moveExtras(fields, ORGANIZATION_STORED, undefined);
        const org = { organization_alias: null, budget_id: null, models: [], metadata: {}, ...newLimits(fields, ctx.now()), organization_id: id } as OrgRecord;
        try {
          await stores.organizations.insert(org);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'Organization', id, field: 'organization_id' }, { param: 'organization_id' });
          throw err;
        }
        const shown = await view(org);
        audit(req, 'organization.new', 'organization', id, undefined, shown);
        return { body: shown };
      },
    },
    {
      method: ['PATCH', 'POST'],
      url: '/organization/update',
      access: accessOf('/organization/update'),
      summary: 'Change an organization (partial update)',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/organization/update', FIELDS, ['organization_id']);
        const before = await mustFind(stores.organizations, requiredId(input, 'organization_id'));
        assertManage(req.principal!, 'organization', orgTarget(before.organization_id), 'update this organization');
        await checkBudget(fields.budget_id);
        moveExtras(fields, ORGANIZATION_STORED, before);
        if ('budget_duration' in fields) fields.budget_reset_at = nextReset(fields.budget_duration as string | null, ctx.now());
        const after = (await stores.organizations.update(before.organization_id, { ...fields, updated_at: ctx.now() } as Partial<OrgRecord>))!;
        await entityChanged('organization', after.organization_id);
        audit(req, 'organization.update', 'organization', after.organization_id, entityView(before), entityView(after));
        return { body: await view(after) };
      },
    },
    {
      method: ['DELETE', 'POST'],
      url: '/organization/delete',
      access: accessOf('/organization/delete'),
      summary: 'Delete organizations that have no teams left',
      handler: async (req) => {
        const ids = idList(parseFields(req.body, '/organization/delete', {}, ['organization_ids']).input, 'organization_ids');
        const orgs = [];
        for (const id of ids) {
          const org = await mustFind(stores.organizations, id);
          const { total } = await stores.teams.list({ organization_id: id }, 1, 1);
          if (total > 0) throw TenancyErrors.IN_USE({ entity: 'organization', id, reason: `${total} team(s) belong to it. Delete or move them first.` }, { param: 'organization_ids' });
          orgs.push({ id, shown: await view(org) });
        }
        await stores.members.dropOrgs(ids);
        await stores.organizations.delete(ids);
        await entityChanged('organization', ids.join(','));
        for (const o of orgs) audit(req, 'organization.delete', 'organization', o.id, o.shown, undefined);
        return { body: orgs.map((o) => o.shown) };
      },
    },
    {
      method: 'GET',
      url: '/organization/info',
      access: accessOf('/organization/info'),
      summary: "An organization's record, members and teams",
      handler: async (req) => {
        const id = first(req.query.organization_id);
        if (!id) throw invalid('organization_id', 'organization_id is required');
        const org = await mustFind(stores.organizations, id);
        assertRead(req.principal!, 'organization', orgTarget(id), 'view this organization');
        return { body: await view(org) };
      },
    },
    {
      method: 'GET',
      url: '/organization/list',
      access: accessOf('/organization/list'),
      summary: 'Organizations the caller may see',
      handler: async (req) => {
        const { records } = await stores.organizations.list({}, 1, 10_000);
        const out = [];
        for (const o of records) if (canRead(req.principal!, 'organization', orgTarget(o.organization_id))) out.push(await view(o));
        return { body: out };
      },
    },
    {
      method: 'POST',
      url: '/organization/member_add',
      access: accessOf('/organization/member_add'),
      summary: 'Add members with a role (org_admin, internal_user, internal_user_viewer)',
      handler: async (req) => {
        const p = req.principal!;
        const input = parseFields(req.body, '/organization/member_add', {}, ['organization_id', 'member', 'max_budget_in_organization']).input;
        const org = await mustFind(stores.organizations, requiredId(input, 'organization_id'));
        assertManage(p, 'organization', orgTarget(org.organization_id), 'add members to this organization');
        if (input.member === undefined) throw invalid('member', 'expected {"role": "internal_user", "user_id": "..."} or a list of them');
        const list = (Array.isArray(input.member) ? input.member : [input.member]).map((m, i) => object(m, `member[${i}]`) as Record<string, unknown>);
        const before = await view(org);
        const added = [];
        for (const m of list) {
          const role = m.role ?? m.user_role ?? 'internal_user';
          if (typeof role !== 'string' || !ORG_ROLES.includes(role)) throw invalid('member', `role must be one of ${ORG_ROLES.join(', ')}`);
          const userId = typeof m.user_id === 'string' && m.user_id ? m.user_id : undefined;
          const email = typeof m.user_email === 'string' && m.user_email ? m.user_email : undefined;
          if (!userId && !email) throw invalid('member', 'each member needs user_id or user_email');
          let user: UserRecord | undefined = userId ? await stores.users.find(userId) : (await stores.users.list({ user_email: email }, 1, 1)).records[0];
          if (!user) {
            user = { user_email: email ?? null, user_alias: null, user_role: 'internal_user', models: [], metadata: {}, ...newLimits({}, ctx.now()), user_id: userId ?? randomUUID() } as UserRecord;
            await stores.users.insertIfAbsent(user);
          }
          const member = { organization_id: org.organization_id, user_id: user.user_id, user_email: email ?? user.user_email, user_role: role };
          await stores.members.upsertOrgMember(member);
          added.push(member);
        }
        await entityChanged('organization', org.organization_id);
        const after = await view(org);
        audit(req, 'organization.member_add', 'organization', org.organization_id, before, after);
        return { body: { organization_id: org.organization_id, updated_users: added, updated_organization_memberships: added } };
      },
    },
  ];
}
