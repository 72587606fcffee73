/**
 * LiteLLM's `general_settings.allowed_ips`, checked in preAuth at stage SECURITY: before any key
 * is looked up, so a refused client costs no database read and learns nothing about its key.
 *
 * The address is `AuthInput.ip`, which the kernel resolves: the socket's peer, or, with
 * `use_x_forwarded_for` (`server.trusted_proxies`), the nearest X-Forwarded-For hop that is not
 * a trusted proxy. This plugin never reads X-Forwarded-For itself, so a client cannot spoof its
 * way in through a header the gateway does not believe (LiteLLM believes it from anyone).
 *
 * Per key and per team lists (`metadata.allowed_ips` on the key or team) are checked by
 * governance-tenancy, where the key is recognised, with the same matcher (ip-allowlist.ts).
 */
import { definePlugin, PluginConfigError } from '@sluice/plugin-sdk';
import { compileIpAllowlist, IpAllowlistError, type IpAllowlist } from '@sluice/plugin-sdk/node';
import type { AccessIpAllowlistConfig } from './config.generated.js';
import { IpAllowlistErrors } from './errors.js';
import manifest from '../plugin.json' with { type: 'json' };

export { IpAllowlistErrors };

function compile(entries: readonly string[]): IpAllowlist {
  try {
    return compileIpAllowlist(entries);
  } catch (err) {
    if (err instanceof IpAllowlistError) throw new PluginConfigError('allowed_ips', err.message);
    throw err;
  }
}

export default definePlugin<AccessIpAllowlistConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  checkConfig(config) {
    if (config.allowed_ips) compile(config.allowed_ips);
    return [];
  },
  setup(ctx, config) {
    // Enabled without a list (a `plugins:` entry alone): every address may call, as in LiteLLM.
    if (!config.allowed_ips) return { preAuth: async () => undefined };
    const list = compile(config.allowed_ips);
    if (list.entries.length === 0) ctx.log.warn('general_settings.allowed_ips is an empty list: every client is refused');
    ctx.log.info({ allowed_ips: list.entries }, 'client IP allow-list loaded');
    return {
      async preAuth(input) {
        if (!list.allows(input.ip)) {
          ctx.log.debug({ ip: input.ip, path: input.path }, 'client address not in allowed_ips');
          throw IpAllowlistErrors.NOT_ALLOWED();
        }
        return undefined;
      },
    };
  },
});
