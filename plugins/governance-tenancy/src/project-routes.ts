/**
 * LiteLLM's projects (keys grouped by application under a team): /project/new, /project/update,
 * /project/info, /project/delete, /project/list. A project's models and limits must fit its team's.
 */
import { randomUUID } from 'node:crypto';
import type { RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { budgetTableOf, entityView, newLimits, nextReset, type ProjectRecord, type TeamRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { bool, first, idList, invalid, LIMIT_FIELDS, modelLimits, nullableString, object, parseFields, requiredId, stringList, type Check } from './field-checks.js';
import { accessOf, assertManage, assertRead, canRead, type Target } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

const FIELDS: Record<string, Check> = {
  project_alias: nullableString,
  description: nullableString,
  team_id: nullableString,
  organization_id: nullableString,
  models: stringList,
  budget_id: nullableString,
  metadata: object,
  tags: stringList,
  model_rpm_limit: modelLimits,
  model_tpm_limit: modelLimits,
  blocked: bool,
  ...LIMIT_FIELDS,
};

const projectTarget = (p: Pick<ProjectRecord, 'team_id' | 'organization_id'>): Target => ({ teams: [p.team_id], organizations: [p.organization_id] });

/** LiteLLM's `_check_team_project_limits`: a project fits inside its team. */
function checkFitsTeam(team: TeamRecord, fields: Record<string, unknown>): void {
  const bad = (message: string, param: string) => TenancyErrors.INVALID_FIELD({ field: param, reason: message }, { param });
  const models = fields.models as string[] | undefined;
  if (models && team.models.length > 0 && !team.models.includes('all-proxy-models')) {
    const outside = models.find((m) => !team.models.includes(m));
    if (outside) throw bad(`Model '${outside}' not in team's allowed models. Team allowed models=${JSON.stringify(team.models)}. Team: ${team.team_id}`, 'models');
  }
  for (const f of ['max_budget', 'tpm_limit', 'rpm_limit'] as const) {
    const mine = fields[f] as number | null | undefined;
    const theirs = team[f];
    if (typeof mine === 'number' && theirs !== null && mine > theirs) throw bad(`Project ${f} (${mine}) exceeds team's ${f} (${theirs}). Team: ${team.team_id}`, f);
  }
  const soft = fields.soft_budget as number | null | undefined;
  const max = fields.max_budget as number | null | undefined;
  if (typeof soft === 'number' && typeof max === 'number' && soft >= max) throw bad(`soft_budget (${soft}) must be strictly lower than max_budget (${max})`, 'soft_budget');
}

export function projectRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;

  const view = async (p: ProjectRecord) => ({ ...entityView(p), litellm_budget_table: budgetTableOf(p, p.budget_id ? await stores.budgets.find(p.budget_id) : undefined) });

  const teamOf = async (teamId: string): Promise<TeamRecord> => {
    const team = await stores.teams.find(teamId);
    if (!team) throw TenancyErrors.NOT_FOUND({ entity: 'Team', field: 'team_id', id: teamId }, { param: 'team_id' });
    return team;
  };

  const managed = async (req: RouteRequest, id: string, what: string) => {
    const project = await mustFind(stores.projects, id);
    assertManage(req.principal!, 'project', projectTarget(project), what);
    return project;
  };

  return [
    {
      method: 'POST',
      url: '/project/new',
      access: accessOf('/project/new'),
      summary: 'Create a project under a team (or an organization)',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/project/new', FIELDS, ['project_id']);
        const id = input.project_id === undefined || input.project_id === null ? randomUUID() : requiredId(input, 'project_id');
        if (!fields.team_id && !fields.organization_id) throw invalid('team_id', 'a project belongs to a team (team_id) or an organization (organization_id)');
        if (fields.team_id) {
          const team = await teamOf(fields.team_id as string);
          checkFitsTeam(team, fields);
          fields.organization_id ??= team.organization_id;
        } else {
          await mustFind(stores.organizations, fields.organization_id as string, 'organization_id');
        }
        if (typeof fields.budget_id === 'string') await mustFind(stores.budgets, fields.budget_id, 'budget_id');
        const project = {
          project_alias: null, description: null, team_id: null, organization_id: null, budget_id: null, models: [], metadata: {}, tags: [], model_rpm_limit: {}, model_tpm_limit: {}, blocked: false,
          ...newLimits(fields, ctx.now()),
          project_id: id,
        } as ProjectRecord;
        assertManage(req.principal!, 'project', projectTarget(project), 'create projects for this team');
        try {
          await stores.projects.insert(project);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'Project', id, field: 'project_id' }, { param: 'project_id' });
          throw err;
        }
        const shown = await view(project);
        audit(req, 'project.new', 'project', id, undefined, shown);
        return { body: shown };
      },
    },
    {
      method: 'POST',
      url: '/project/update',
      access: accessOf('/project/update'),
      summary: 'Change a project (partial update)',
      handler: async (req) => {
        const { input, fields } = parseFields(req.body, '/project/update', FIELDS, ['project_id']);
        const before = await managed(req, requiredId(input, 'project_id'), 'update this project');
        const teamId = (fields.team_id as string | null | undefined) ?? before.team_id;
        if (teamId) {
          const team = await teamOf(teamId);
          checkFitsTeam(team, fields);
          if (fields.team_id) fields.organization_id ??= team.organization_id;
        }
        assertManage(req.principal!, 'project', projectTarget({ ...before, ...(fields as Partial<ProjectRecord>) }), 'move this project there');
        if ('budget_duration' in fields) fields.budget_reset_at = nextReset(fields.budget_duration as string | null, ctx.now());
        const after = (await stores.projects.update(before.project_id, { ...fields, updated_at: ctx.now() } as Partial<ProjectRecord>))!;
        await entityChanged('project', after.project_id);
        audit(req, 'project.update', 'project', after.project_id, entityView(before), entityView(after));
        return { body: await view(after) };
      },
    },
    {
      method: ['DELETE', 'POST'],
      url: '/project/delete',
      access: accessOf('/project/delete'),
      summary: 'Delete projects that no key uses',
      handler: async (req) => {
        const ids = idList(parseFields(req.body, '/project/delete', {}, ['project_ids']).input, 'project_ids');
        const projects = [];
        for (const id of ids) {
          const project = await managed(req, id, 'delete this project');
          const keys = await stores.keys.countBy('project_id', [id]);
          if (keys > 0) {
            throw TenancyErrors.IN_USE({ entity: 'project', id, reason: `${keys} key(s) are associated with it. Please delete or reassign the keys first.` }, { param: 'project_ids' });
          }
          projects.push({ id, shown: await view(project) });
        }
        await stores.projects.delete(ids);
        await entityChanged('project', ids.join(','));
        for (const p of projects) audit(req, 'project.delete', 'project', p.id, p.shown, undefined);
        return { body: projects.map((p) => p.shown) };
      },
    },
    {
      method: 'GET',
      url: '/project/info',
      access: accessOf('/project/info'),
      summary: "A project's record",
      handler: async (req) => {
        const id = first(req.query.project_id);
        if (!id) throw invalid('project_id', 'project_id is required');
        const project = await mustFind(stores.projects, id);
        assertRead(req.principal!, 'project', projectTarget(project), 'view this project');
        return { body: await view(project) };
      },
    },
    {
      method: 'GET',
      url: '/project/list',
      access: accessOf('/project/list'),
      summary: 'Projects the caller may see',
      handler: async (req) => {
        const { records } = await stores.projects.list({ team_id: first(req.query.team_id) }, 1, 10_000);
        const out = [];
        for (const p of records) if (canRead(req.principal!, 'project', projectTarget(p))) out.push(await view(p));
        return { body: out };
      },
    },
  ];
}
