/**
 * /scim/v2/Users: internal users, LiteLLM's way (scim_v2.py). POST creates the user without a
 * key (`auto_create_key: false`) in LiteLLM's default SCIM role; an email already provisioned
 * (by SSO, say) is taken over rather than duplicated. PUT replaces the SCIM attributes, PATCH
 * changes some; `active` flips the user's keys (user-activation.ts). DELETE deletes the user and
 * its keys. Group membership written through `groups` is team membership.
 */
import { randomUUID } from 'node:crypto';
import type { RouteDefinition } from '@sluice/plugin-sdk';
import type { Json, Management, UserView } from './management.js';
import { ScimErrors } from './scim-errors.js';
import { assertAttributes, parseFilter, type Comparison } from './scim-filter.js';
import { readWindow, sliceWindow, windowOf } from './scim-paging.js';
import {
  emailOf,
  ENTERPRISE_SCHEMA,
  listResponse,
  META,
  metadataOf,
  objectBody,
  optionalString,
  parseBoolean,
  toScimUser,
  type Location,
} from './scim-resources.js';
import { queryParam, scimRoute, param, type ScimDeps } from './scim-route.js';
import { defaultUserRole, recomputeRoles } from './scim-roles.js';
import { activationMetadata, applyActivation } from './user-activation.js';
import { applyUserPatch, patchOperations } from './user-patch.js';

const USER_FILTERS = ['id', 'username', 'externalid', 'emails.value', 'emails'];

export async function loadUser(m: Management, id: string): Promise<UserView> {
  const user = await m.user(id);
  if (!user) throw ScimErrors.USER_NOT_FOUND({ id });
  return user;
}

/** Renders users with their teams' aliases (each team read once per request). */
export async function renderUsers(m: Management, users: UserView[], at: Location): Promise<Json[]> {
  const aliases = new Map<string, string | null>();
  for (const id of new Set(users.flatMap((u) => u.teams ?? []))) aliases.set(id, (await m.team(id))?.team_alias ?? null);
  return users.map((u) => toScimUser(u, (id) => aliases.get(id) ?? null, at));
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);

function matches(u: UserView, c: Comparison): boolean {
  switch (c.attr) {
    case 'id':
      return u.user_id === c.value;
    case 'username':
      // userName is case-insensitive (RFC 7643 caseExact false); LiteLLM also matches the email.
      return lower(u.user_id) === lower(c.value) || (!!u.user_email && lower(u.user_email) === lower(c.value));
    case 'externalid':
      return u.sso_user_id === c.value;
    default:
      return !!u.user_email && lower(u.user_email) === lower(c.value);
  }
}

/** Users whose email is `email` (case-insensitive). */
export async function usersByEmail(m: Management, email: string): Promise<UserView[]> {
  const { users } = await m.users({ user_email: email }, 1, 100);
  return users.filter((u) => lower(u.user_email) === email.toLowerCase());
}

export async function usersBySsoId(m: Management, ssoId: string): Promise<UserView[]> {
  if (ssoId.includes(',')) return []; // the list route splits on commas: such an id is looked up nowhere
  return (await m.users({ sso_user_ids: ssoId }, 1, 100)).users.filter((u) => u.sso_user_id === ssoId);
}

/** The users every comparison holds for: candidates from the most selective one, then checked. */
async function filterUsers(m: Management, comparisons: Comparison[]): Promise<UserView[]> {
  const text = (attr: string) => comparisons.find((c) => c.attr === attr && typeof c.value === 'string')?.value as string | undefined;
  if (comparisons.some((c) => typeof c.value !== 'string')) return [];
  let candidates: UserView[];
  const id = text('id') ?? text('username');
  if (id !== undefined) {
    const byId = await m.user(id);
    // userName also matches the email (LiteLLM), which needs an `@`.
    candidates = [...(byId ? [byId] : []), ...(text('id') === undefined && id.includes('@') ? await usersByEmail(m, id) : [])];
  } else if (text('externalid') !== undefined) {
    candidates = await usersBySsoId(m, text('externalid')!);
  } else {
    candidates = await usersByEmail(m, (text('emails.value') ?? text('emails'))!);
  }
  const unique = [...new Map(candidates.map((u) => [u.user_id, u])).values()];
  return unique.filter((u) => comparisons.every((c) => matches(u, c)));
}

/** Adds the user to `to` and removes it from the teams it leaves. */
export async function reconcileTeams(m: Management, userId: string, from: readonly string[], to: ReadonlySet<string>): Promise<void> {
  for (const t of to) if (!from.includes(t)) await m.addMember(t, userId);
  for (const t of from) if (!to.has(t)) await m.removeMember(t, userId);
}

interface ScimUserInput {
  userName?: string;
  email: string | null;
  externalId: string | null;
  alias: string | null;
  name: Json;
  active?: boolean;
  groups: string[];
  extras: Json;
}

function userInput(body: unknown): ScimUserInput {
  const b = objectBody(body);
  const nameIn = b.name === undefined || b.name === null ? {} : b.name;
  if (typeof nameIn !== 'object' || Array.isArray(nameIn)) throw ScimErrors.INVALID_VALUE({ reason: 'name must be an object' });
  const name: Json = {};
  for (const k of ['givenName', 'familyName', 'formatted'] as const) {
    const v = optionalString((nameIn as Json)[k], `name.${k}`);
    if (v !== undefined) name[k] = v;
  }
  const groups = b.groups === undefined || b.groups === null ? [] : b.groups;
  if (!Array.isArray(groups)) throw ScimErrors.INVALID_VALUE({ reason: 'groups must be a list of {"value"}' });
  const extras: Json = {};
  if (b[ENTERPRISE_SCHEMA] && typeof b[ENTERPRISE_SCHEMA] === 'object') extras[META.enterprise] = b[ENTERPRISE_SCHEMA];
  if (Array.isArray(b.roles)) extras[META.roles] = b.roles;
  if (Array.isArray(b.entitlements)) extras[META.entitlements] = b.entitlements;
  const displayName = optionalString(b.displayName, 'displayName');
  return {
    userName: optionalString(b.userName, 'userName'),
    email: emailOf(b.emails),
    externalId: optionalString(b.externalId, 'externalId') ?? null,
    // LiteLLM takes the alias from name.givenName; the displayName, when sent, says it better.
    alias: displayName ?? (name.givenName as string | undefined) ?? null,
    name,
    ...(b.active !== undefined && b.active !== null && { active: parseBoolean(b.active, 'active') }),
    groups: groups.map((g) => (typeof g === 'string' ? g : typeof (g as Json)?.value === 'string' ? ((g as Json).value as string) : '')).filter((g) => g !== ''),
    extras,
  };
}

/** The user's metadata with the SCIM attributes of a full representation (POST/PUT) replacing the old ones. */
function scimMetadata(existing: Json, input: ScimUserInput): Json {
  const out: Json = { ...existing, [META.name]: input.name };
  for (const k of [META.enterprise, META.roles, META.entitlements]) {
    if (k in input.extras) out[k] = input.extras[k];
    else delete out[k];
  }
  return out;
}

export function userRoutes(deps: ScimDeps): RouteDefinition[] {
  const m = deps.management;
  const one = async (id: string, at: Location) => (await renderUsers(m, [await loadUser(m, id)], at))[0]!;

  return [
    scimRoute(deps, 'GET', '/Users', 'List users (filter: userName, emails.value, externalId, id with eq and and; startIndex, count)', async ({ req, at }) => {
      const window = windowOf(req, deps.config.default_count ?? 10, deps.config.max_count ?? 100);
      const filter = queryParam(req, 'filter');
      if (filter !== undefined && filter.trim() !== '') {
        const comparisons = parseFilter(filter);
        assertAttributes(comparisons, USER_FILTERS);
        const all = await filterUsers(m, comparisons);
        return { body: listResponse(await renderUsers(m, sliceWindow(all, window), at), all.length, window.startIndex) };
      }
      const { items, total } = await readWindow(window, async (page, size) => {
        const r = await m.users({}, page, size);
        return { items: r.users, total: r.total };
      });
      return { body: listResponse(await renderUsers(m, items, at), total, window.startIndex) };
    }),

    scimRoute(deps, 'GET', '/Users/:id', 'A user', async ({ req, at }) => ({ body: await one(param(req, 'id'), at) })),

    scimRoute(deps, 'POST', '/Users', 'Create a user (no key; LiteLLM default SCIM role)', async ({ req, at }) => {
      const input = userInput(req.body);
      if (input.userName !== undefined && (await m.user(input.userName))) throw ScimErrors.USER_EXISTS({ userName: input.userName });
      let userId: string;
      const byEmail = input.email ? await usersByEmail(m, input.email) : [];
      if (byEmail.length === 1) {
        // LiteLLM (handle_existing_user_by_email): the account the email already names is provisioned, keeping its id.
        const existing = byEmail[0]!;
        userId = existing.user_id;
        const activation = await activationMetadata(m, existing, scimMetadata(metadataOf(existing), input), input.active);
        await m.updateUser(userId, {
          user_email: input.email,
          user_alias: input.alias,
          ...(input.externalId !== null && { sso_user_id: input.externalId }),
          metadata: activation.metadata,
        });
        if (input.groups.length > 0) await reconcileTeams(m, userId, existing.teams ?? [], new Set([...(existing.teams ?? []), ...input.groups]));
        await applyActivation(m, existing, activation.from, activation.to, activation.recorded, activation.toBlock);
      } else {
        userId = input.userName ?? randomUUID();
        await m.ok('POST', '/user/new', {
          user_id: userId,
          user_email: input.email,
          user_alias: input.alias,
          sso_user_id: input.externalId,
          user_role: defaultUserRole(deps),
          ...(input.groups.length > 0 && { teams: input.groups }),
          metadata: scimMetadata({ [META.active]: input.active ?? true }, input),
          auto_create_key: false,
        });
      }
      await recomputeRoles(deps, [userId]);
      const user = await one(userId, at);
      return { status: 201, headers: { location: (user.meta as Json).location as string }, body: user };
    }),

    scimRoute(deps, 'PUT', '/Users/:id', 'Replace a user', async ({ req, at }) => {
      const before = await loadUser(m, param(req, 'id'));
      const input = userInput(req.body);
      // SCIM PUT may omit `active`: the user keeps its state (LiteLLM, so a PUT never re-enables a deactivated user).
      const activation = await activationMetadata(m, before, scimMetadata(metadataOf(before), input), input.active);
      await m.updateUser(before.user_id, {
        user_email: input.email,
        user_alias: input.alias,
        sso_user_id: input.externalId,
        metadata: activation.metadata,
      });
      // User.groups is readOnly (RFC 7643 §4.1.2): an empty list means "unspecified", not "no team".
      if (input.groups.length > 0) {
        await reconcileTeams(m, before.user_id, before.teams ?? [], new Set(input.groups));
        await recomputeRoles(deps, [before.user_id]);
      }
      await applyActivation(m, before, activation.from, activation.to, activation.recorded, activation.toBlock);
      return { body: await one(before.user_id, at) };
    }),

    scimRoute(deps, 'PATCH', '/Users/:id', 'Change a user (add/replace/remove; active blocks or unblocks its keys)', async ({ req, at }) => {
      const before = await loadUser(m, param(req, 'id'));
      const changes = applyUserPatch(patchOperations(req.body), metadataOf(before), before.teams ?? []);
      const activation = await activationMetadata(m, before, changes.metadata, changes.active);
      await m.updateUser(before.user_id, { ...changes.fields, metadata: activation.metadata });
      if (changes.teams) await reconcileTeams(m, before.user_id, before.teams ?? [], changes.teams);
      await recomputeRoles(deps, [before.user_id]);
      await applyActivation(m, before, activation.from, activation.to, activation.recorded, activation.toBlock);
      return { body: await one(before.user_id, at) };
    }),

    scimRoute(deps, 'DELETE', '/Users/:id', 'Delete a user and its keys', async ({ req }) => {
      const user = await loadUser(m, param(req, 'id'));
      await m.ok('POST', '/user/delete', { user_ids: [user.user_id] });
      return { status: 204 };
    }),
  ];
}
