/**
 * /scim/v2/Groups: teams, LiteLLM's way (scim_v2.py). `displayName` is the team alias, members
 * are team members (added with role `user`), `externalId` sits in the team's metadata, and a
 * team a SCIM client writes is marked `metadata.scim_managed`. POST takes `id`, else
 * `externalId`, else a new UUID as the team id, and LiteLLM's `default_team_params`.
 */
import { randomUUID } from 'node:crypto';
import type { RouteDefinition } from '@sluice/plugin-sdk';
import { membersToDrop, memberRefs, resolveMembers, type MemberRef } from './group-members.js';
import type { Json, Management, TeamView } from './management.js';
import { ScimErrors } from './scim-errors.js';
import { assertAttributes, parseFilter, type Comparison } from './scim-filter.js';
import { readWindow, sliceWindow, windowOf } from './scim-paging.js';
import { listResponse, metadataOf, META, objectBody, optionalString, TEAM_META, toScimGroup, type Location } from './scim-resources.js';
import { param, queryParam, scimRoute, type ScimDeps } from './scim-route.js';
import { recomputeRoles } from './scim-roles.js';
import { patchOperations } from './user-patch.js';

const GROUP_FILTERS = ['id', 'displayname', 'externalid'];

async function loadTeam(m: Management, id: string): Promise<TeamView> {
  const team = await m.team(id);
  if (!team) throw ScimErrors.GROUP_NOT_FOUND({ id });
  return team;
}

/** `excludedAttributes=members` (Entra, Okta) and `attributes` without members leave the members out. */
function withMembers(req: Parameters<RouteDefinition['handler']>[0]): boolean {
  const excluded = (queryParam(req, 'excludedAttributes') ?? '').toLowerCase().split(',').map((s) => s.trim());
  const attributes = queryParam(req, 'attributes');
  if (excluded.includes('members')) return false;
  if (attributes !== undefined && attributes.trim() !== '') return attributes.toLowerCase().split(',').some((s) => s.trim() === 'members');
  return true;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);

function matches(t: TeamView, c: Comparison): boolean {
  if (c.attr === 'id') return t.team_id === c.value;
  if (c.attr === 'externalid') return metadataOf(t)[TEAM_META.externalId] === c.value;
  // displayName is case-insensitive (RFC 7643 caseExact false).
  return lower(t.team_alias) === lower(c.value);
}

async function filterTeams(m: Management, comparisons: Comparison[]): Promise<TeamView[]> {
  if (comparisons.some((c) => typeof c.value !== 'string')) return [];
  const text = (attr: string) => comparisons.find((c) => c.attr === attr)?.value as string | undefined;
  let candidates: TeamView[];
  const id = text('id') ?? text('externalid');
  if (id !== undefined) {
    // Entra's groups are created with their externalId as the team id.
    const t = await m.team(id);
    candidates = t ? [t] : [];
  } else {
    candidates = (await m.teams({ team_alias: text('displayname')! }, 1, 100)).teams;
  }
  return candidates.filter((t) => comparisons.every((c) => matches(t, c)));
}

/** LiteLLM `_new_team_request_with_defaults`: litellm_settings.default_team_params under the SCIM fields. */
function teamDefaults(deps: ScimDeps): Json {
  const d = deps.ctx.settings.litellm_settings.default_team_params;
  if (!d || typeof d !== 'object') return {};
  const { team_id: _id, team_alias: _alias, members_with_roles: _members, ...rest } = d as Json;
  return rest;
}

const memberIdsOf = (team: TeamView): string[] => (team.members_with_roles ?? []).map((r) => r.user_id);

async function reconcileMembers(m: Management, team: TeamView, to: ReadonlySet<string>): Promise<void> {
  const current = new Set(memberIdsOf(team));
  for (const id of to) if (!current.has(id)) await m.addMember(team.team_id, id);
  for (const id of current) if (!to.has(id)) await m.removeMember(team.team_id, id);
}

function groupMembers(body: Json): MemberRef[] {
  if (body.members === undefined || body.members === null) return [];
  if (!Array.isArray(body.members)) throw ScimErrors.INVALID_VALUE({ reason: 'members must be a list of {"value"}' });
  return memberRefs(body.members);
}

function displayNameOf(body: Json): string {
  const name = optionalString(body.displayName, 'displayName');
  if (name === undefined || name.trim() === '') throw ScimErrors.INVALID_VALUE({ reason: 'displayName is required' });
  return name;
}

export function groupRoutes(deps: ScimDeps): RouteDefinition[] {
  const m = deps.management;
  const one = async (id: string, at: Location, members = true) => toScimGroup(await loadTeam(m, id), at, members);

  return [
    scimRoute(deps, 'GET', '/Groups', 'List groups (filter: displayName, externalId, id with eq and and; startIndex, count)', async ({ req, at }) => {
      const window = windowOf(req, deps.config.default_count ?? 10, deps.config.max_count ?? 100);
      const members = withMembers(req);
      const filter = queryParam(req, 'filter');
      if (filter !== undefined && filter.trim() !== '') {
        const comparisons = parseFilter(filter);
        assertAttributes(comparisons, GROUP_FILTERS);
        const all = await filterTeams(m, comparisons);
        return { body: listResponse(sliceWindow(all, window).map((t) => toScimGroup(t, at, members)), all.length, window.startIndex) };
      }
      const { items, total } = await readWindow(window, async (page, size) => {
        const r = await m.teams({}, page, size);
        return { items: r.teams, total: r.total };
      });
      return { body: listResponse(items.map((t) => toScimGroup(t, at, members)), total, window.startIndex) };
    }),

    scimRoute(deps, 'GET', '/Groups/:id', 'A group', async ({ req, at }) => ({ body: await one(param(req, 'id'), at, withMembers(req)) })),

    scimRoute(deps, 'POST', '/Groups', 'Create a group (a team)', async ({ req, at }) => {
      const body = objectBody(req.body);
      const displayName = displayNameOf(body);
      const externalId = optionalString(body.externalId, 'externalId');
      const teamId = optionalString(body.id, 'id') ?? externalId ?? randomUUID();
      if (await m.team(teamId)) throw ScimErrors.GROUP_EXISTS({ id: teamId });
      const memberIds = await resolveMembers(deps, groupMembers(body), 'scim_group_membership');
      const defaults = teamDefaults(deps);
      await m.ok('POST', '/team/new', {
        ...defaults,
        team_id: teamId,
        team_alias: displayName,
        members_with_roles: memberIds.map((user_id) => ({ user_id, role: 'user' })),
        metadata: {
          ...((defaults.metadata as Json | undefined) ?? {}),
          [TEAM_META.managed]: true,
          ...(externalId !== undefined && { [TEAM_META.externalId]: externalId }),
        },
      });
      await recomputeRoles(deps, memberIds);
      const group = await one(teamId, at);
      return { status: 201, headers: { location: (group.meta as Json).location as string }, body: group };
    }),

    scimRoute(deps, 'PUT', '/Groups/:id', 'Replace a group (name and members)', async ({ req, at }) => {
      const team = await loadTeam(m, param(req, 'id'));
      const body = objectBody(req.body);
      const displayName = displayNameOf(body);
      const externalId = optionalString(body.externalId, 'externalId');
      const memberIds = await resolveMembers(deps, groupMembers(body), 'scim_group_membership');
      const metadata: Json = { ...metadataOf(team), [TEAM_META.managed]: true };
      if (externalId !== undefined) metadata[TEAM_META.externalId] = externalId;
      await m.ok('POST', '/team/update', { team_id: team.team_id, team_alias: displayName, metadata });
      await reconcileMembers(m, team, new Set(memberIds));
      await recomputeRoles(deps, [...memberIdsOf(team), ...memberIds]);
      return { body: await one(team.team_id, at) };
    }),

    scimRoute(deps, 'PATCH', '/Groups/:id', 'Change a group (displayName, externalId, members add/remove/replace)', async ({ req, at }) => {
      const team = await loadTeam(m, param(req, 'id'));
      const ops = patchOperations(req.body);
      const metadata: Json = { ...metadataOf(team), [TEAM_META.managed]: true };
      const attributes: Json = { ...((metadata[META.attributes] as Json | undefined) ?? {}) };
      const update: Json = {};
      let members = new Set(memberIdsOf(team));

      const apply = async (op: string, rawPath: string, value: unknown): Promise<void> => {
        const path = rawPath.toLowerCase();
        if (path === 'displayname') {
          if (op === 'remove') throw ScimErrors.INVALID_VALUE({ reason: 'displayName is required and cannot be removed' });
          update.team_alias = optionalString(value, 'displayName') ?? null;
        } else if (path === 'externalid') {
          if (op === 'remove') delete metadata[TEAM_META.externalId];
          else metadata[TEAM_META.externalId] = optionalString(value, 'externalId') ?? null;
        } else if (path === 'members' || path.startsWith('members[')) {
          const refs = memberRefs(value, rawPath);
          if (op === 'remove') {
            // `remove` with path "members" and no value or filter clears the roster (RFC 7644 §3.5.2.2).
            const drop = refs.length === 0 && path === 'members' ? [...members] : await membersToDrop(m, refs, team.members_with_roles ?? []);
            for (const id of drop) members.delete(id);
          } else {
            const ids = await resolveMembers(deps, refs, 'scim_group_patch');
            members = op === 'replace' ? new Set(ids) : new Set([...members, ...ids]);
          }
        } else if (path === 'id' || path === 'meta' || path === 'schemas') {
          // Okta's rename sends the id with the new name; the server's attributes do not change.
        } else if (op === 'remove') {
          delete attributes[rawPath];
        } else {
          attributes[rawPath] = value;
        }
      };

      for (const o of ops) {
        if (o.path !== undefined) await apply(o.op, o.path, o.value);
        else if (o.op === 'remove') throw ScimErrors.INVALID_PATH({ reason: 'remove needs a path' });
        else if (o.value && typeof o.value === 'object' && !Array.isArray(o.value)) for (const [k, v] of Object.entries(o.value as Json)) await apply(o.op, k, v);
        else throw ScimErrors.INVALID_VALUE({ reason: `${o.op} without a path needs an object value` });
      }
      if (Object.keys(attributes).length > 0) metadata[META.attributes] = attributes;
      else delete metadata[META.attributes];
      await m.ok('POST', '/team/update', { team_id: team.team_id, ...update, metadata });
      await reconcileMembers(m, team, members);
      await recomputeRoles(deps, [...memberIdsOf(team), ...members]);
      return { body: await one(team.team_id, at) };
    }),

    scimRoute(deps, 'DELETE', '/Groups/:id', 'Delete a group (the team)', async ({ req }) => {
      const team = await loadTeam(m, param(req, 'id'));
      await m.ok('POST', '/team/delete', { team_ids: [team.team_id] });
      await recomputeRoles(deps, memberIdsOf(team));
      return { status: 204 };
    }),
  ];
}
