/**
 * LiteLLM's /key/* routes, with its field names and response shapes. The plain key appears only
 * in the /key/generate and /key/regenerate responses (and /key/update echoes what the caller
 * sent); audit records carry the record without it. Non-admins act only on keys they own or
 * administer (rbac.ts); a team key must name an existing team and only models the team allows.
 */
import { randomBytes } from 'node:crypto';
import { parseDuration, type Principal, type RouteDefinition, type RouteRequest } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';
import { nextReset } from './entity-records.js';
import { first, positiveInt } from './field-checks.js';
import { hashKey, keyNameOf, keyView, newRecord, tokenOf, type KeyFields, type KeyRecord } from './key-record.js';
import { asObject, parseKeyRequest } from './key-request.js';
import { applyKeyGenerateParams } from './key-defaults.js';
import type { ListFilter, OwnerFilter } from './key-store.js';
import { isUniqueViolation } from './entity-store.js';
import { assertFieldChanges, changedFields, KEY_FIELDS, settersAfter, type Setters } from './field-policy.js';
import { assertBindings, changesBindings } from './key-bindings.js';
import { accessOf, actingRole, assertManage, assertRead, forbidden, memberTeams, readsEverything, type Target } from './rbac.js';
import type { TenancyDeps } from './tenancy-deps.js';
import type { TeamSecretSettings } from './key-secrets.js';
import { isMasterKey, rotateMasterKey } from './master-key-rotation.js';
import { checkLoggingMetadata } from './logging-callbacks.js';

const MAX_PAGE_SIZE = 100;
const ALL_PROXY_MODELS = 'all-proxy-models';

/** 16 random bytes → 22 url-safe characters after `sk-`, as LiteLLM's keys look. */
function generateKey(): string {
  return `sk-${randomBytes(16).toString('base64url')}`;
}

/** Who LiteLLM records as `created_by` / `updated_by`: the caller's user, else its credential id. */
const actorOf = (p: Principal): string => p.userId ?? p.id;

/**
 * The scheduled rotation job (plugin key-rotation) calls /key/{key}/regenerate through the
 * management client as this principal; its regenerations are counted as rotations
 * (`last_rotation_at`, `rotation_count`), as LiteLLM's KeyRotationManager records them.
 */
export const ROTATION_JOB_PRINCIPAL = 'plugin:key-rotation';

/** LiteLLM's _set_key_rotation_fields: next due time while auto_rotate is on with an interval. */
function nextRotation(k: Pick<KeyRecord, 'auto_rotate' | 'rotation_interval'>, now: number): number | null {
  return k.auto_rotate && k.rotation_interval ? now + parseDuration(k.rotation_interval)! : null;
}

export function keyRoutes({ ctx, stores, invalidateKeys, audit: record, settings }: TenancyDeps): RouteDefinition[] {
  const store = stores.keys;
  const secrets = settings?.virtualKeySecrets;
  const defaultGraceMs = settings?.keyRotationGraceMs;

  /** LiteLLM: a rotating key needs a stable secret name when keys are stored in a secret manager. */
  const assertRotationNameable = (k: Pick<KeyRecord, 'auto_rotate' | 'rotation_interval' | 'key_alias'>) => {
    if (secrets?.enabled && k.auto_rotate && k.rotation_interval && !k.key_alias) throw KeyErrors.ROTATION_NEEDS_ALIAS();
  };
  const audit = (req: RouteRequest, action: string, objectId: string, before?: KeyRecord, after?: KeyRecord) =>
    record(req, action, 'virtual_key', objectId, before && keyView(before), after && keyView(after));

  const mustFind = async (token: string): Promise<KeyRecord> => {
    const found = await store.find(token);
    if (!found) throw KeyErrors.KEY_NOT_FOUND({ tokens: token });
    return found;
  };

  /** The tenants a key belongs to: its user, team and organization (directly or through its team). */
  const targetOf = async (k: Pick<KeyRecord, 'user_id' | 'team_id' | 'organization_id'> & { token?: string }): Promise<Target> => {
    const team = k.team_id ? await stores.teams.find(k.team_id) : undefined;
    return { userId: k.user_id, keyHash: k.token ?? null, teams: [k.team_id], organizations: [k.organization_id, team?.organization_id] };
  };

  /** A team key names an existing team, and only models the team allows (LiteLLM's checks). */
  const checkTeam = async (p: Principal, k: Pick<KeyRecord, 'team_id' | 'models' | 'user_id'>): Promise<void> => {
    if (!k.team_id) return;
    const team = await stores.teams.find(k.team_id);
    if (!team) throw KeyErrors.TEAM_NOT_FOUND({ team: k.team_id });
    const allowed = team.models;
    if (allowed.length > 0 && !allowed.includes(ALL_PROXY_MODELS)) {
      // `all-team-models` means the team's own list (model-access.ts).
      const outside = k.models.find((m) => m !== 'all-team-models' && !allowed.includes(m));
      if (outside !== undefined) throw KeyErrors.MODEL_NOT_IN_TEAM({ model: outside, allowed: JSON.stringify(allowed), team: team.team_id });
    }
    // A user's own key in a team is only for a team they belong to (or administer).
    const administers = p.role === 'proxy_admin' || p.adminOf?.teams.includes(team.team_id) || (team.organization_id && p.adminOf?.organizations.includes(team.organization_id));
    if (!administers && !memberTeams(p).includes(team.team_id)) throw forbidden(p, `create keys for team ${team.team_id}`);
  };

  /**
   * A key's `metadata.logging` (LiteLLM's key-based logging) checked as a team callback is; who may
   * set it is the field policy's (`partsSetBy`). Masked values sent back keep the stored ones.
   */
  const checkLogging = (p: Principal, fields: KeyFields, stored?: KeyRecord) => {
    if (fields.metadata) fields.metadata = checkLoggingMetadata(fields.metadata, { allowEnvReferences: p.role === 'proxy_admin' }, stored?.metadata)!;
  };

  const keyParam = (body: Record<string, unknown>, route: string): string => {
    const key = body.key;
    if (typeof key !== 'string' || key.length === 0) throw KeyErrors.KEY_REQUIRED({ route, field: 'key' });
    return key;
  };

  const expiryFrom = (durationMs: number | null | undefined, now: number): Pick<KeyFields, 'expires_at'> =>
    durationMs === undefined ? {} : { expires_at: durationMs === null ? null : now + durationMs };

  const resetFrom = (fields: KeyFields, now: number): Pick<KeyFields, 'budget_reset_at'> =>
    fields.budget_duration === undefined ? {} : { budget_reset_at: nextReset(fields.budget_duration, now) };

  /**
   * Checks a change of `before` by `p` against the field policy and what the key is bound to;
   * returns who set each control afterwards. `before` undefined: a new key (`after`).
   */
  const authorizeChange = async (p: Principal, before: KeyRecord | undefined, after: KeyRecord): Promise<Setters> => {
    const from = before ?? newRecord(after.token, after.key_name, {}, after.created_at);
    if (changesBindings(before, after)) {
      // The tenants the key moves to, judged without the key's own hash: "it is my key" says nothing about them.
      assertManage(p, 'key', await targetOf({ ...after, token: undefined }), before ? 'move a key there' : 'create this key');
      await assertBindings(stores, p, after);
    }
    const [b, a] = [from as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>];
    const changed = changedFields(KEY_FIELDS, a, b);
    // Judged in the role the caller holds over the key as it was (a new key: as it will be).
    const role = actingRole(p, await targetOf({ ...(before ?? after), token: undefined }));
    assertFieldChanges(p, role, KEY_FIELDS, changed, b, a, from.controls_set_by);
    return settersAfter(role, KEY_FIELDS, changed, from.controls_set_by);
  };

  /**
   * A chosen key must not be a secret the gateway knows (the master key, a provider key) nor a key
   * that exists. Every such refusal reads the same, so it does not tell whether a guess exists.
   */
  const assertUsableChosenKey = async (plain: string, field: 'key' | 'new_key'): Promise<void> => {
    const token = hashKey(plain);
    const taken = ctx.secrets.scrub(plain) !== plain || (await store.find(token)) !== undefined || (await store.findGrace(token, ctx.now())) !== undefined;
    if (taken) throw KeyErrors.KEY_UNUSABLE({ field }, { param: field });
  };

  /** LiteLLM: key aliases are unique across all keys (a key may keep its own). */
  const assertAliasFree = async (alias: string | null | undefined, except?: string): Promise<void> => {
    if (alias && (await store.aliasTaken(alias, except))) throw KeyErrors.ALIAS_TAKEN({ alias });
  };

  /** What a non-admin may see of /key/list and /key/aliases: keys it owns or administers. */
  const ownerFilterOf = async (p: Principal): Promise<OwnerFilter | undefined> => {
    if (readsEverything(p)) return undefined;
    const orgs = p.adminOf?.organizations ?? [];
    const orgTeams = orgs.length > 0 ? (await stores.teams.list({ organization_id: orgs }, 1, 10_000)).records.map((t) => t.team_id) : [];
    return { user_id: p.userId, token: p.keyHash, team_ids: [...(p.adminOf?.teams ?? []), ...orgTeams], organization_ids: orgs };
  };

  const managed = async (req: RouteRequest, token: string, what: string): Promise<KeyRecord> => {
    const before = await mustFind(token);
    assertManage(req.principal!, 'key', await targetOf(before), what);
    return before;
  };

  const setBlocked = (blocked: boolean, route: '/key/block' | '/key/unblock'): RouteDefinition => ({
    method: 'POST',
    url: route,
    access: accessOf(route),
    summary: blocked ? 'Block a key' : 'Unblock a key',
    handler: async (req) => {
      const token = tokenOf(keyParam(asObject(req.body, route), route));
      const before = await managed(req, token, `${blocked ? 'block' : 'unblock'} this key`);
      const controls_set_by = await authorizeChange(req.principal!, before, { ...before, blocked });
      const after = (await store.update(token, { blocked, controls_set_by, updated_at: ctx.now() }))!;
      await invalidateKeys([token, ...(await store.graceTokensOf(token))]);
      audit(req, blocked ? 'key.block' : 'key.unblock', token, before, after);
      return { body: keyView(after) };
    },
  });

  const regenerate = async (req: RouteRequest, pathKey: string | undefined) => {
    const parsed = parseKeyRequest(req.body, '/key/regenerate');
    const named = pathKey ?? parsed.key;
    if (!named) throw KeyErrors.KEY_REQUIRED({ route: '/key/regenerate', field: 'key' });
    if (isMasterKey(named, settings?.masterKey)) return rotateMasterKey(ctx, req, named, parsed);
    if (parsed.newMasterKey !== undefined) throw KeyErrors.INVALID_FIELD({ field: 'new_master_key', reason: 'only for regenerating the master key: `key` is not the master key' }, { param: 'new_master_key' });
    const oldToken = tokenOf(named);
    const before = await managed(req, oldToken, 'regenerate this key');
    checkLogging(req.principal!, parsed.fields, before);
    if (parsed.newKey !== undefined) await assertUsableChosenKey(parsed.newKey, 'new_key');
    const plain = parsed.newKey ?? generateKey();
    const token = hashKey(plain);
    const now = ctx.now();
    const next: KeyRecord = { ...before, ...parsed.fields, ...expiryFrom(parsed.durationMs, now), ...resetFrom(parsed.fields, now), token, key_name: keyNameOf(plain), updated_at: now, updated_by: actorOf(req.principal!) };
    const scheduled = req.principal!.id === ROTATION_JOB_PRINCIPAL;
    if (scheduled) Object.assign(next, { last_rotation_at: now, rotation_count: (before.rotation_count ?? 0) + 1, key_rotation_at: nextRotation(next, now) });
    else if (parsed.fields.auto_rotate !== undefined || parsed.fields.rotation_interval !== undefined) next.key_rotation_at = nextRotation(next, now);
    if (parsed.fields.key_alias !== undefined) await assertAliasFree(parsed.fields.key_alias, oldToken);
    assertRotationNameable(next);
    await checkTeam(req.principal!, next);
    next.controls_set_by = await authorizeChange(req.principal!, before, next);
    // LiteLLM's _insert_deprecated_key: the request's grace_period, else LITELLM_KEY_ROTATION_GRACE_PERIOD, else none.
    const graceMs = parsed.gracePeriodMs ?? defaultGraceMs;
    const graceUntil = graceMs === undefined ? undefined : now + graceMs;
    // The new key goes to the secret manager before the move commits (key-secrets.ts); a refusal rolls it back.
    const [oldName, newName] = secrets ? [secrets.nameOf(before), secrets.nameOf(next)] : [];
    // The team's secret manager settings (LiteLLM: the existing key's team); read before the transaction.
    const teamSettings = await secrets?.settingsOf(before.team_id);
    await store.rehash(oldToken, next, graceUntil, secrets?.enabled ? async () => {
      const outcome = 'the key was not regenerated and the old key still works';
      await secrets.write(newName!, plain, outcome, teamSettings);
      if (oldName !== newName) await secrets.remove(oldName!, outcome, teamSettings);
    } : undefined);
    await invalidateKeys([oldToken, token]);
    audit(req, 'key.regenerate', token, before, next);
    return {
      body: { ...keyView(next), key: plain, ...(graceUntil !== undefined && { grace_period_ends: new Date(graceUntil).toISOString() }) },
    };
  };

  return [
    {
      method: 'POST',
      url: '/key/generate',
      access: accessOf('/key/generate'),
      summary: 'Create a virtual key (shown once)',
      handler: async (req) => {
        const p = req.principal!;
        const parsed = parseKeyRequest(req.body, '/key/generate');
        if (settings) applyKeyGenerateParams(parsed, settings.keyParams);
        checkLogging(p, parsed.fields);
        // A non-admin's key is its own unless it says otherwise (and may say so only where it administers).
        if (p.role !== 'proxy_admin' && parsed.fields.user_id === undefined && p.userId) parsed.fields.user_id = p.userId;
        if (parsed.key !== undefined) await assertUsableChosenKey(parsed.key, 'key');
        await assertAliasFree(parsed.fields.key_alias);
        const plain = parsed.key ?? generateKey();
        const token = hashKey(plain);
        const now = ctx.now();
        const actor = actorOf(p);
        const created = newRecord(token, keyNameOf(plain), { ...parsed.fields, ...expiryFrom(parsed.durationMs, now), ...resetFrom(parsed.fields, now), created_by: actor, updated_by: actor }, now);
        created.key_rotation_at = nextRotation(created, now);
        assertRotationNameable(created);
        await checkTeam(p, created);
        created.controls_set_by = await authorizeChange(p, undefined, created);
        const teamSettings = await secrets?.settingsOf(created.team_id);
        try {
          // Written to the secret manager inside the insert's transaction: a refusal leaves no key.
          await store.insert(created, secrets?.enabled ? () => secrets.write(secrets.nameOf(created), plain, 'the key was not created', teamSettings) : undefined);
        } catch (err) {
          // Two requests choosing one key at once: the loser is told what any other refusal says.
          if (isUniqueViolation(err)) throw KeyErrors.KEY_UNUSABLE({ field: 'key' }, { param: 'key' });
          throw err;
        }
        // Clears any "unknown token" answer an instance may have cached for this hash.
        await invalidateKeys([token]);
        audit(req, 'key.generate', token, undefined, created);
        return { body: { ...keyView(created), duration: parsed.durationText ?? null, key: plain } };
      },
    },
    {
      method: 'POST',
      url: '/key/update',
      access: accessOf('/key/update'),
      summary: 'Change a key (partial update)',
      handler: async (req) => {
        const parsed = parseKeyRequest(req.body, '/key/update');
        if (!parsed.key) throw KeyErrors.KEY_REQUIRED({ route: '/key/update', field: 'key' });
        const token = tokenOf(parsed.key);
        const before = await managed(req, token, 'update this key');
        checkLogging(req.principal!, parsed.fields, before);
        const now = ctx.now();
        if (parsed.fields.key_alias !== undefined) await assertAliasFree(parsed.fields.key_alias, token);
        const patch: KeyFields & { updated_at: number } = { ...parsed.fields, ...expiryFrom(parsed.durationMs, now), ...resetFrom(parsed.fields, now), updated_at: now, updated_by: actorOf(req.principal!) };
        if (parsed.fields.auto_rotate !== undefined || parsed.fields.rotation_interval !== undefined) patch.key_rotation_at = nextRotation({ ...before, ...patch }, now);
        const merged = { ...before, ...patch };
        assertRotationNameable(merged);
        if (parsed.fields.team_id !== undefined || parsed.fields.models !== undefined) await checkTeam(req.principal!, merged);
        const controls_set_by = await authorizeChange(req.principal!, before, merged);
        const after = await store.update(token, { ...patch, controls_set_by });
        if (!after) throw KeyErrors.KEY_NOT_FOUND({ tokens: token });
        await invalidateKeys([token, ...(await store.graceTokensOf(token))]);
        audit(req, 'key.update', token, before, after);
        return { body: { ...keyView(after), key: parsed.key } };
      },
    },
    {
      method: 'POST',
      url: '/key/delete',
      access: accessOf('/key/delete'),
      summary: 'Delete keys by key, hash or alias',
      handler: async (req) => {
        const body = asObject(req.body, '/key/delete');
        const keys = body.keys ?? [];
        const aliases = body.key_aliases ?? [];
        for (const [field, list] of [['keys', keys], ['key_aliases', aliases]] as const) {
          if (!Array.isArray(list) || !list.every((k) => typeof k === 'string' && k.length > 0)) {
            throw KeyErrors.INVALID_FIELD({ field, reason: 'expected a list of strings' }, { param: field });
          }
        }
        const named = keys as string[];
        const byAlias = aliases as string[];
        if (named.length === 0 && byAlias.length === 0) throw KeyErrors.KEY_REQUIRED({ route: '/key/delete', field: 'keys' });
        const tokens = named.map(tokenOf);
        const found = await Promise.all(tokens.map((t) => store.find(t)));
        const missing = tokens.filter((_, i) => !found[i]);
        if (missing.length > 0) throw KeyErrors.NOTHING_TO_DELETE({ tokens: missing.join(', ') });
        const aliasTokens = byAlias.length > 0 ? await store.tokensByAlias(byAlias) : [];
        if (byAlias.length > 0 && aliasTokens.length === 0 && tokens.length === 0) throw KeyErrors.NOTHING_TO_DELETE({ tokens: byAlias.join(', ') }, { param: 'key_aliases' });
        const all = [...new Set([...tokens, ...aliasTokens])];
        const records = await Promise.all(all.map((t) => store.find(t)));
        for (const r of records) if (r) assertManage(req.principal!, 'key', await targetOf(r), 'delete this key');
        const graced = (await Promise.all(all.map((t) => store.graceTokensOf(t)))).flat();
        // Each key's team's secret manager settings, one read per team, before the transaction.
        const teamSettings = new Map<string, TeamSecretSettings>();
        if (secrets?.enabled) {
          for (const r of records) if (r?.team_id && !teamSettings.has(r.team_id)) teamSettings.set(r.team_id, await secrets.settingsOf(r.team_id));
        }
        // Removed from the secret manager before the delete commits: a refusal keeps the keys.
        await store.delete(all, secrets?.enabled ? async () => {
          for (const r of records) if (r) await secrets.remove(secrets.nameOf(r), 'the keys were not deleted', r.team_id ? teamSettings.get(r.team_id) : undefined);
        } : undefined);
        await invalidateKeys([...all, ...graced]);
        records.forEach((r, i) => r && audit(req, 'key.delete', all[i]!, r, undefined));
        return { body: { deleted_keys: byAlias.length > 0 ? [...named, ...byAlias] : named } };
      },
    },
    {
      method: 'GET',
      url: '/key/info',
      access: accessOf('/key/info'),
      summary: "A key's record (a key may read its own)",
      handler: async (req) => {
        const p = req.principal!;
        const named = first(req.query.key);
        const token = named ? tokenOf(named) : p.keyHash;
        if (!token || (!named && p.authenticatedBy !== 'governance-tenancy' && !readsEverything(p))) {
          throw KeyErrors.KEY_REQUIRED({ route: '/key/info', field: 'key' });
        }
        const found = await mustFind(token);
        assertRead(p, 'key', await targetOf(found), 'read this key');
        // LiteLLM answers with the key as it was asked for (the caller's own key: its hash).
        return { body: { key: named ?? token, info: keyView(found) } };
      },
    },
    {
      method: 'GET',
      url: '/key/list',
      access: accessOf('/key/list'),
      summary: 'List keys (hashes), paginated',
      handler: async (req) => {
        const p = req.principal!;
        const page = positiveInt(first(req.query.page), 'page', 1);
        const size = positiveInt(first(req.query.size), 'size', 10, MAX_PAGE_SIZE);
        const filter: ListFilter = {};
        for (const f of ['user_id', 'team_id', 'organization_id', 'key_alias'] as const) {
          const v = first(req.query[f]);
          if (v) filter[f] = v;
        }
        // Sluice's filter for the rotation job (plugin key-rotation): keys due for scheduled rotation now.
        if (first(req.query.rotation_due) === 'true') {
          if (!readsEverything(p)) throw forbidden(p, 'list keys due for rotation');
          filter.rotation_due_at = ctx.now();
        }
        const owner = await ownerFilterOf(p);
        const full = first(req.query.return_full_object) === 'true';
        const { records, total } = await store.list(filter, page, size, owner);
        return {
          body: {
            keys: full ? records.map(keyView) : records.map((r) => r.token),
            total_count: total,
            current_page: page,
            total_pages: Math.ceil(total / size),
          },
        };
      },
    },
    {
      method: 'GET',
      url: '/key/aliases',
      access: accessOf('/key/aliases'),
      summary: 'Key aliases in use, unique and sorted (optional search, team_id), paginated',
      handler: async (req) => {
        const p = req.principal!;
        const page = positiveInt(first(req.query.page), 'page', 1);
        const size = positiveInt(first(req.query.size), 'size', 50, 1_000);
        const search = first(req.query.search)?.toLowerCase();
        const teamId = first(req.query.team_id);
        const owner = await ownerFilterOf(p);
        let aliases = await store.aliases(owner, teamId);
        if (search) aliases = aliases.filter((a) => a.toLowerCase().includes(search));
        const total = aliases.length;
        return {
          body: { aliases: aliases.slice((page - 1) * size, page * size), total_count: total, current_page: page, total_pages: Math.ceil(total / size) },
        };
      },
    },
    setBlocked(true, '/key/block'),
    setBlocked(false, '/key/unblock'),
    {
      method: 'POST',
      url: '/key/regenerate',
      access: accessOf('/key/regenerate'),
      summary: 'Replace a key with a new one (optional grace_period for the old one)',
      handler: (req) => regenerate(req, undefined),
    },
    {
      method: 'POST',
      url: '/key/:key/regenerate',
      access: accessOf('/key/regenerate'),
      summary: 'Replace a key with a new one (optional grace_period for the old one)',
      handler: (req) => regenerate(req, req.params.key),
    },
  ];
}
