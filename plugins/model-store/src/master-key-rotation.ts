/**
 * LiteLLM's master key rotation (`_rotate_master_key`, reached through `POST /key/regenerate`
 * with `{"key": <master key>, "new_master_key": "sk-…"}`, which governance-tenancy owns and
 * forwards here through the management client): every stored value encrypted with the master key
 * is decrypted and encrypted again with the new one: the models' `litellm_params` (in one
 * transaction: all or none) and the carried MCP servers' credentials. The operator then sets the
 * new key (`LITELLM_MASTER_KEY` / `general_settings.master_key`) and restarts.
 *
 * Until the restart every instance keeps working: this one encrypts with the new key and reads
 * with both (key-ring.ts), and tells the others the new key on a counters channel, sealed under
 * the old key so only holders of the old key can read it.
 *
 * With `LITELLM_SALT_KEY` set, stored values are encrypted with the salt key, which a master key
 * rotation does not change: nothing is re-encrypted (LiteLLM re-encrypts with the new master key
 * there, leaving rows its restarted proxy cannot read).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { PluginContext, RouteDefinition } from '@sluice/plugin-sdk';
import { ModelErrors } from './errors.js';
import type { KeyRing } from './key-ring.js';
import { MCP_KV_PREFIX } from './litellm-import.js';
import { MODELS_TABLE } from './migrations.js';
import { SaltEncryption } from './salt-encryption.js';

export const ROTATE_MASTER_KEY_ROUTE = '/model/master_key/rotate';
/** Carries the new salt key to the other instances, encrypted with the old one. */
export const ENCRYPTION_KEY_CHANNEL = 'model-store:encryption-key';

export interface MasterKeyRotationDeps {
  ctx: PluginContext;
  ring: KeyRing;
  masterKey: string | undefined;
  /** LITELLM_SALT_KEY set: stored values do not depend on the master key. */
  saltKeySet: boolean;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The other instances adopt the new key as soon as one rotates it. */
export async function followRotations(ctx: PluginContext, ring: KeyRing): Promise<() => Promise<void>> {
  return ctx.counters.subscribe(ENCRYPTION_KEY_CHANNEL, (sealed) => {
    const next = ring.decrypt(sealed);
    if (next === undefined) return; // sealed under a key this instance never had
    ctx.secrets.redact(next);
    ring.use(next);
  });
}

export function masterKeyRotationRoutes({ ctx, ring, masterKey, saltKeySet }: MasterKeyRotationDeps): RouteDefinition[] {
  const knex = ctx.database.knex as Knex;

  /** Every string of every model's litellm_params, decrypted with the ring and encrypted with `next`. All or none. */
  const reencryptModels = (next: SaltEncryption): Promise<number> =>
    knex.transaction(async (trx) => {
      const rows = (await trx(MODELS_TABLE).select('model_id', 'litellm_params')) as Array<{ model_id: string; litellm_params: string }>;
      for (const row of rows) {
        const params = JSON.parse(row.litellm_params) as unknown;
        const obj = (typeof params === 'string' ? JSON.parse(params) : params) as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj ?? {})) {
          if (typeof v !== 'string') {
            out[k] = v;
            continue;
          }
          const plain = ring.decrypt(v);
          // A value the current key cannot open would be lost: stop before changing anything.
          if (plain === undefined) throw ModelErrors.ROTATION_UNREADABLE({ id: row.model_id, field: k });
          out[k] = next.encrypt(plain);
        }
        await trx(MODELS_TABLE).where({ model_id: row.model_id }).update({ litellm_params: JSON.stringify(out) });
      }
      return rows.length;
    });

  /** MCP servers carried from LiteLLM (litellm-import.ts): their sealed credentials. */
  const reencryptMcpServers = async (): Promise<number> => {
    let n = 0;
    for (const key of await ctx.kv.list(MCP_KV_PREFIX, 10_000)) {
      const text = await ctx.kv.get(key);
      if (!text) continue;
      const entry = JSON.parse(text) as { server: unknown; credentials: string | null };
      if (typeof entry.credentials !== 'string') continue;
      const plain = ring.decrypt(entry.credentials);
      if (plain === undefined) {
        ctx.log.warn({ key }, 'MCP server credentials not readable with the current or previous master key; left as they are');
        continue;
      }
      await ctx.kv.set(key, JSON.stringify({ ...entry, credentials: ring.encrypt(plain) }));
      n++;
    }
    return n;
  };

  return [
    {
      method: 'POST',
      url: ROTATE_MASTER_KEY_ROUTE,
      access: ['proxy_admin'],
      summary: 'Re-encrypt stored model credentials with a new master key (what POST /key/regenerate runs for the master key)',
      handler: async (req) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const current = body.current_master_key;
        const next = body.new_master_key;
        if (typeof current !== 'string' || typeof next !== 'string') throw ModelErrors.INVALID({ reason: 'current_master_key and new_master_key are required strings' });
        if (!masterKey) throw ModelErrors.INVALID({ reason: 'no master key is configured (general_settings.master_key or LITELLM_MASTER_KEY), so there is none to rotate' });
        if (!same(current, masterKey)) throw ModelErrors.INVALID({ reason: 'current_master_key is not the master key' });
        if (!next.startsWith('sk-')) throw ModelErrors.INVALID({ reason: "new_master_key must start with 'sk-'" });
        if (same(next, masterKey)) throw ModelErrors.INVALID({ reason: 'new_master_key is the current master key' });
        ctx.secrets.redact(next);
        let models = 0;
        let mcpServers = 0;
        if (!saltKeySet) {
          models = await reencryptModels(new SaltEncryption(next, ring.algorithm));
          const sealed = ring.encrypt(next);
          ring.use(next);
          await ctx.counters.publish(ENCRYPTION_KEY_CHANNEL, sealed).catch((err: Error) => {
            ctx.log.warn({ err: err.message }, 'could not tell the other instances the new master key; they read the re-encrypted models again after their restart');
          });
          mcpServers = await reencryptMcpServers();
        }
        ctx.log.info({ models, mcp_servers: mcpServers, salt_key: saltKeySet }, 'master key rotated: set the new key as LITELLM_MASTER_KEY / general_settings.master_key and restart');
        ctx.audit({
          actor: { id: req.principal!.id, role: req.principal!.role },
          action: 'master_key.rotate',
          objectType: 'master_key',
          objectId: 'master_key',
          after: { reencrypted_models: models, reencrypted_mcp_servers: mcpServers, salt_key_unchanged: saltKeySet },
          ip: req.ip,
          requestId: req.requestId,
        });
        return { body: { reencrypted_models: models, reencrypted_mcp_servers: mcpServers, salt_key: saltKeySet } };
      },
    },
  ];
}
