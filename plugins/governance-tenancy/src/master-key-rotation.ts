/**
 * LiteLLM's master key rotation through its UI flow: `POST /key/regenerate` (or
 * `/key/{key}/regenerate`) naming the current master key, with `new_master_key`. The stored
 * provider credentials are encrypted with the master key; re-encrypting them is the business of
 * the plugin that stores them (model-store, `POST /model/master_key/rotate`), reached through the
 * management client as the caller, so its own access rule and audit apply. The answer is
 * LiteLLM's (`GenerateKeyResponse` with the new key as key, token and key_name); the operator then
 * sets the new key in the environment / config and restarts, as with LiteLLM.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PluginContext, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';
import type { KeyRequest } from './key-request.js';
import { forbidden } from './rbac.js';

const ROTATE_STORED_SECRETS = '/model/master_key/rotate';

export function isMasterKey(named: string, masterKey: string | undefined): boolean {
  return !!masterKey && named.length === masterKey.length && timingSafeEqual(Buffer.from(named), Buffer.from(masterKey));
}

export async function rotateMasterKey(ctx: PluginContext, req: RouteRequest, current: string, parsed: KeyRequest): Promise<RouteResult> {
  const p = req.principal!;
  if (p.role !== 'proxy_admin') throw forbidden(p, 'rotate the master key');
  const next = parsed.newMasterKey;
  if (next === undefined) throw KeyErrors.NEW_MASTER_KEY_REQUIRED();
  ctx.secrets.redact(next);
  if (!ctx.management) throw KeyErrors.INVALID_FIELD({ field: 'new_master_key', reason: 'this gateway cannot rotate the master key (no management client)' }, { param: 'new_master_key' });
  const answer = await ctx.management.request(
    { method: 'POST', path: ROTATE_STORED_SECRETS, body: { current_master_key: current, new_master_key: next } },
    { as: p },
  );
  // 404: no plugin stores encrypted credentials, so there is nothing to re-encrypt.
  if (answer.status === 404) ctx.log.info('master key rotation: no stored credentials to re-encrypt (model-store not enabled)');
  else if (answer.status !== 200) return { status: answer.status, body: answer.body };
  return { body: { key: next, token: next, key_name: next, expires: null } };
}
