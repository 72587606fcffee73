/**
 * LiteLLM's /key/* routes, with its field names and response shapes. The plain key appears only
 * in the /key/generate and /key/regenerate responses (and /key/update echoes what the caller
 * sent); audit records carry the record without it.
 */
import { randomBytes } from 'node:crypto';
import type { PluginContext, RouteDefinition, RouteRequest } from '../../../plugin-sdk/index.js';
import { KeyErrors } from './errors.js';
import { hashKey, keyNameOf, keyView, newRecord, tokenOf, type KeyFields, type KeyRecord } from './key-record.js';
import { asObject, parseKeyRequest } from './key-request.js';
import type { KeyStore, ListFilter } from './key-store.js';

export interface KeyRouteDeps {
  ctx: PluginContext;
  store: KeyStore;
  invalidate(hashes: string[]): Promise<void>;
}

const ADMIN = ['proxy_admin'] as const;
const VIEWERS = ['proxy_admin', 'proxy_admin_viewer'] as const;
const MAX_PAGE_SIZE = 100;

/** 16 random bytes → 22 url-safe characters after `sk-`, as LiteLLM's keys look. */
function generateKey(): string {
  return `sk-${randomBytes(16).toString('base64url')}`;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function positiveInt(raw: string | undefined, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw KeyErrors.INVALID_FIELD({ field, reason: `expected an integer from 1 to ${max}, got ${JSON.stringify(raw)}` }, { param: field });
  }
  return n;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || /UNIQUE constraint failed/.test(e.message ?? '');
}

export function keyRoutes({ ctx, store, invalidate }: KeyRouteDeps): RouteDefinition[] {
  const audit = (req: RouteRequest, action: string, objectId: string, before?: KeyRecord, after?: KeyRecord) =>
    ctx.audit({
      actor: { id: req.principal?.id ?? 'unknown', role: req.principal?.role ?? 'system' },
      action,
      objectType: 'virtual_key',
      objectId,
      ...(before && { before: keyView(before) }),
      ...(after && { after: keyView(after) }),
      ip: req.ip,
      requestId: req.requestId,
    });

  const mustFind = async (token: string): Promise<KeyRecord> => {
    const record = await store.find(token);
    if (!record) throw KeyErrors.KEY_NOT_FOUND({ tokens: token });
    return record;
  };

  const keyParam = (body: Record<string, unknown>, route: string): string => {
    const key = body.key;
    if (typeof key !== 'string' || key.length === 0) throw KeyErrors.KEY_REQUIRED({ route, field: 'key' });
    return key;
  };

  const expiryFrom = (durationMs: number | null | undefined, now: number): Pick<KeyFields, 'expires_at'> =>
    durationMs === undefined ? {} : { expires_at: durationMs === null ? null : now + durationMs };

  const setBlocked = (blocked: boolean, route: string): RouteDefinition => ({
    method: 'POST',
    url: route,
    access: [...ADMIN],
    summary: blocked ? 'Block a key' : 'Unblock a key',
    handler: async (req) => {
      const token = tokenOf(keyParam(asObject(req.body, route), route));
      const before = await mustFind(token);
      const after = (await store.update(token, { blocked, updated_at: ctx.now() }))!;
      await invalidate([token]);
      audit(req, blocked ? 'key.block' : 'key.unblock', token, before, after);
      return { body: keyView(after) };
    },
  });

  const regenerate = async (req: RouteRequest, pathKey: string | undefined) => {
    const parsed = parseKeyRequest(req.body, '/key/regenerate');
    const named = pathKey ?? parsed.key;
    if (!named) throw KeyErrors.KEY_REQUIRED({ route: '/key/regenerate', field: 'key' });
    const oldToken = tokenOf(named);
    const before = await mustFind(oldToken);
    const plain = parsed.newKey ?? generateKey();
    const token = hashKey(plain);
    if (await store.find(token)) throw KeyErrors.KEY_EXISTS();
    const now = ctx.now();
    const next: KeyRecord = { ...before, ...parsed.fields, ...expiryFrom(parsed.durationMs, now), token, key_name: keyNameOf(plain), updated_at: now };
    const graceUntil = parsed.gracePeriodMs === undefined ? undefined : now + parsed.gracePeriodMs;
    await store.rehash(oldToken, next, graceUntil);
    await invalidate([oldToken, token]);
    audit(req, 'key.regenerate', token, before, next);
    return {
      body: { ...keyView(next), key: plain, ...(graceUntil !== undefined && { grace_period_ends: new Date(graceUntil).toISOString() }) },
    };
  };

  return [
    {
      method: 'POST',
      url: '/key/generate',
      access: [...ADMIN],
      summary: 'Create a virtual key (shown once)',
      handler: async (req) => {
        const parsed = parseKeyRequest(req.body, '/key/generate');
        const plain = parsed.key ?? generateKey();
        const token = hashKey(plain);
        const now = ctx.now();
        const record = newRecord(token, keyNameOf(plain), { ...parsed.fields, ...expiryFrom(parsed.durationMs, now) }, now);
        try {
          await store.insert(record);
        } catch (err) {
          if (isUniqueViolation(err)) throw KeyErrors.KEY_EXISTS();
          throw err;
        }
        // Clears any "unknown token" answer an instance may have cached for this hash.
        await invalidate([token]);
        audit(req, 'key.generate', token, undefined, record);
        const duration = (req.body as Record<string, unknown> | null)?.duration ?? null;
        return { body: { ...keyView(record), duration, key: plain } };
      },
    },
    {
      method: 'POST',
      url: '/key/update',
      access: [...ADMIN],
      summary: 'Change a key (partial update)',
      handler: async (req) => {
        const parsed = parseKeyRequest(req.body, '/key/update');
        if (!parsed.key) throw KeyErrors.KEY_REQUIRED({ route: '/key/update', field: 'key' });
        const token = tokenOf(parsed.key);
        const before = await mustFind(token);
        const now = ctx.now();
        const after = await store.update(token, { ...parsed.fields, ...expiryFrom(parsed.durationMs, now), updated_at: now });
        if (!after) throw KeyErrors.KEY_NOT_FOUND({ tokens: token });
        await invalidate([token]);
        audit(req, 'key.update', token, before, after);
        return { body: { ...keyView(after), key: parsed.key } };
      },
    },
    {
      method: 'POST',
      url: '/key/delete',
      access: [...ADMIN],
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
        if (missing.length > 0) throw KeyErrors.KEY_NOT_FOUND({ tokens: missing.join(', ') }, { param: 'keys' });
        const aliasTokens = byAlias.length > 0 ? await store.tokensByAlias(byAlias) : [];
        const all = [...new Set([...tokens, ...aliasTokens])];
        const graced = (await Promise.all(all.map((t) => store.graceTokensOf(t)))).flat();
        const records = await Promise.all(all.map((t) => store.find(t)));
        await store.delete(all);
        await invalidate([...all, ...graced]);
        records.forEach((r, i) => r && audit(req, 'key.delete', all[i], r, undefined));
        return { body: { deleted_keys: byAlias.length > 0 ? [...named, ...byAlias] : named } };
      },
    },
    {
      method: 'GET',
      url: '/key/info',
      access: [...VIEWERS, 'internal_user'],
      summary: "A key's record (a key may read its own)",
      handler: async (req) => {
        const principal = req.principal!;
        const named = first(req.query.key);
        const isViewer = (VIEWERS as readonly string[]).includes(principal.role);
        if (!named && !isViewer && principal.authenticatedBy !== 'auth-virtual-keys') {
          throw KeyErrors.KEY_REQUIRED({ route: '/key/info', field: 'key' });
        }
        const token = named ? tokenOf(named) : principal.keyHash;
        if (!token) throw KeyErrors.KEY_REQUIRED({ route: '/key/info', field: 'key' });
        // Non-admins may only read their own key; anything else looks like a missing key.
        if (!isViewer && token !== principal.keyHash) throw KeyErrors.KEY_NOT_FOUND({ tokens: token });
        const record = await mustFind(token);
        return { body: { key: token, info: keyView(record) } };
      },
    },
    {
      method: 'GET',
      url: '/key/list',
      access: [...VIEWERS],
      summary: 'List keys (hashes), paginated',
      handler: async (req) => {
        const page = positiveInt(first(req.query.page), 'page', 1);
        const size = positiveInt(first(req.query.size), 'size', 10, MAX_PAGE_SIZE);
        const filter: ListFilter = {};
        for (const f of ['user_id', 'team_id', 'organization_id', 'key_alias'] as const) {
          const v = first(req.query[f]);
          if (v) filter[f] = v;
        }
        const full = first(req.query.return_full_object) === 'true';
        const { records, total } = await store.list(filter, page, size);
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
    setBlocked(true, '/key/block'),
    setBlocked(false, '/key/unblock'),
    {
      method: 'POST',
      url: '/key/regenerate',
      access: [...ADMIN],
      summary: 'Replace a key with a new one (optional grace_period for the old one)',
      handler: (req) => regenerate(req, undefined),
    },
    {
      method: 'POST',
      url: '/key/:key/regenerate',
      access: [...ADMIN],
      summary: 'Replace a key with a new one (optional grace_period for the old one)',
      handler: (req) => regenerate(req, req.params.key),
    },
  ];
}
