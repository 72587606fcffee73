/**
 * LiteLLM's team logging endpoints (team_callback_endpoints.py): `POST /team/{team_id}/callback`,
 * `GET /team/{team_id}/callback`, `DELETE /team/{team_id}/callback/{callback_name}`,
 * `POST /team/{team_id}/disable_logging`. Every authenticated caller reaches them; only a proxy
 * admin, an admin of the team's organization or an admin of the team passes (LiteLLM's
 * _verify_team_access). A caller who could not manage the team gets the same 403 whether or not
 * it exists, so the routes do not tell which team ids exist. Callback credentials are answered
 * masked and audited redacted; a change drops every instance's cached principals, so the team's
 * next call is logged the new way.
 */
import type { Principal, RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import type { TeamRecord } from './entity-records.js';
import { asObject } from './field-checks.js';
import { crossEntryFamilyError, LoggingErrors, maskVars, parseLoggingEntry, resolveTeamCallbacks } from './logging-callbacks.js';
import { accessOf, canManage, forbidden, readsEverything } from './rbac.js';
import { teamTarget } from './team-routes.js';
import type { TenancyDeps } from './tenancy-deps.js';

type Missing = 'TEAM_MISSING' | 'TEAM_MISSING_404';

export function teamCallbackRoutes(deps: TenancyDeps, teamView: (t: TeamRecord) => Promise<Record<string, unknown>>): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged } = deps;

  /** The team, if `p` may manage its logging (reading: proxy_admin_viewer too); LiteLLM's refusals otherwise. */
  const teamFor = async (p: Principal, teamId: string, missing: Missing, what: string, read = false): Promise<TeamRecord> => {
    const team = await stores.teams.find(teamId);
    if (!team) {
      if (p.role === 'proxy_admin' || (read && readsEverything(p))) throw LoggingErrors[missing]({ team: teamId });
      throw forbidden(p, what);
    }
    if (!canManage(p, 'team', teamTarget(team)) && !(read && readsEverything(p))) throw forbidden(p, what);
    return team;
  };

  const save = async (req: RouteRequest, team: TeamRecord, metadata: Record<string, unknown>, action: string) => {
    const after = (await stores.teams.update(team.team_id, { metadata, updated_at: ctx.now() } as Partial<TeamRecord>))!;
    await entityChanged('team', team.team_id);
    // LiteLLM's audit row: table team, the metadata before and after (redacted by the auditor).
    audit(req, action, 'team', team.team_id, { metadata: team.metadata }, { metadata: after.metadata });
    return after;
  };

  const listsOf = (metadata: unknown) => {
    const r = resolveTeamCallbacks(metadata);
    return { success_callbacks: r.success_callbacks, failure_callbacks: r.failure_callbacks };
  };

  return [
    {
      method: 'POST',
      url: '/team/:team_id/callback',
      access: accessOf('/team/{team_id}/callback'),
      summary: "Add a success/failure logging callback to a team (its own callback_vars: e.g. the team's Langfuse project)",
      handler: async (req) => {
        const p = req.principal!;
        const teamId = req.params.team_id!;
        const team = await teamFor(p, teamId, 'TEAM_MISSING', "set this team's logging callbacks");
        const entry = parseLoggingEntry(asObject(req.body, '/team/{team_id}/callback'), 'body', { allowEnvReferences: p.role === 'proxy_admin' });
        const stored = Array.isArray(team.metadata.logging) ? (team.metadata.logging as Array<Record<string, unknown>>) : [];
        if (p.role !== 'proxy_admin') {
          const storedVars = stored.map((e) => (e.callback_vars && typeof e.callback_vars === 'object' ? (e.callback_vars as Record<string, string>) : {}));
          const conflict = crossEntryFamilyError(entry.callback_vars, storedVars);
          if (conflict) throw LoggingErrors.INVALID({ reason: conflict }, { param: 'callback_vars' });
        }
        if (stored.some((e) => e.callback_name === entry.callback_name && e.callback_type === entry.callback_type)) {
          throw LoggingErrors.DUPLICATE({ name: entry.callback_name, team: teamId, event: entry.callback_type });
        }
        const after = await save(req, team, { ...team.metadata, logging: [...stored, entry] }, 'team.callback_add');
        return { body: { status: 'success', data: await teamView(after) } };
      },
    },
    {
      method: 'GET',
      url: '/team/:team_id/callback',
      access: accessOf('/team/{team_id}/callback'),
      summary: "A team's success/failure callbacks and callback_vars (credentials masked)",
      handler: async (req) => {
        const teamId = req.params.team_id!;
        const team = await teamFor(req.principal!, teamId, 'TEAM_MISSING_404', "read this team's logging callbacks", true);
        const r = resolveTeamCallbacks(team.metadata);
        return {
          body: {
            status: 'success',
            data: { team_id: teamId, success_callbacks: r.success_callbacks, failure_callbacks: r.failure_callbacks, callback_vars: maskVars(r.callback_vars, 'secrets') },
          },
        };
      },
    },
    {
      method: 'DELETE',
      url: '/team/:team_id/callback/:callback_name',
      access: accessOf('/team/{team_id}/callback'),
      summary: 'Remove one callback (every event it was registered for) from a team',
      handler: async (req) => {
        const teamId = req.params.team_id!;
        const name = req.params.callback_name!;
        const team = await teamFor(req.principal!, teamId, 'TEAM_MISSING_404', "remove this team's logging callbacks");
        const stored = Array.isArray(team.metadata.logging) ? (team.metadata.logging as Array<Record<string, unknown>>) : [];
        const remaining = stored.filter((e) => e.callback_name !== name);
        if (remaining.length === stored.length) throw LoggingErrors.NOT_REGISTERED({ name, team: teamId });
        const after = await save(req, team, { ...team.metadata, logging: remaining }, 'team.callback_delete');
        return { body: { status: 'success', message: `Callback ${name} removed for team ${teamId}`, data: { team_id: teamId, ...listsOf(after.metadata) } } };
      },
    },
    {
      method: 'POST',
      url: '/team/:team_id/disable_logging',
      access: accessOf('/team/{team_id}/disable_logging'),
      summary: "Disable every logging callback for a team (GDPR opt-out): its calls reach no integration",
      handler: async (req) => {
        const teamId = req.params.team_id!;
        const team = await teamFor(req.principal!, teamId, 'TEAM_MISSING_404', "disable this team's logging");
        const settings = team.metadata.callback_settings && typeof team.metadata.callback_settings === 'object' ? (team.metadata.callback_settings as Record<string, unknown>) : {};
        // As LiteLLM: both slots emptied (its callback_vars kept); `callbacks` too, which it leaves.
        const metadata = { ...team.metadata, callback_settings: { callback_vars: {}, ...settings, success_callback: [], failure_callback: [], callbacks: [] }, logging: [] };
        await save(req, team, metadata, 'team.disable_logging');
        return { body: { status: 'success', message: `Logging disabled for team ${teamId}`, data: { team_id: teamId, success_callbacks: [], failure_callbacks: [] } } };
      },
    },
  ];
}
