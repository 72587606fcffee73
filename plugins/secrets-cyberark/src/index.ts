/**
 * LiteLLM's `cyberark` key management system: `os.environ/NAME` reads the Conjur variable NAME
 * (`GET /secrets/{account}/variable/{id}`), cached for CYBERARK_REFRESH_INTERVAL seconds (default
 * 300), the last value served while Conjur cannot be reached. Writing a virtual key declares the
 * variable in the root policy and sets its value, as LiteLLM does; deleting one is a Sluice
 * addition (LiteLLM answers "not supported"): a policy update with `!delete`, so revoked keys do
 * not stay readable in Conjur.
 */
import { definePlugin } from '@sluice/plugin-sdk';
import { secondsSetting, secretManagerResolver } from '@sluice/plugin-sdk/node';
import manifest from '../plugin.json' with { type: 'json' };
import type { SecretsCyberarkConfig } from './config.generated.js';
import { ConjurClient } from './conjur-client.js';

function flag(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return fallback;
}

export default definePlugin<SecretsCyberarkConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    if (!config.api_key && !(config.client_cert && config.client_key)) {
      throw new Error('Missing CyberArk credentials. Please set CYBERARK_API_KEY or both CYBERARK_CLIENT_CERT and CYBERARK_CLIENT_KEY in your environment.');
    }
    const sslVerify = flag(config.ssl_verify, true);
    if (!sslVerify) ctx.log.warn('CyberArk SSL verification is disabled. This is insecure and should only be used for testing with self-signed certificates.');
    const intervalS = secondsSetting(config.refresh_interval, 300);
    const conjur = new ConjurClient({
      apiBase: config.api_base ?? 'http://127.0.0.1:8080',
      account: config.account ?? 'default',
      login: config.username ?? 'admin',
      apiKey: config.api_key ?? '',
      tokenTtlMs: intervalS * 1000,
      sslVerify,
      clientCertFile: config.client_cert,
      clientKeyFile: config.client_key,
      onWarning: (message) => ctx.log.warn({ manager: 'cyberark' }, message),
    });
    ctx.log.info({ api_base: config.api_base, account: config.account, login: config.username, refreshIntervalS: intervalS }, 'reading secrets from CyberArk Conjur');
    const resolver = secretManagerResolver({
      name: 'cyberark',
      pluginId: manifest.id,
      settings: config,
      cacheTtlMs: intervalS * 1000,
      log: ctx.log,
      metrics: ctx.metrics,
      operations: {
        read: (name) => conjur.read(name),
        write: (name, value) => conjur.write(name, value),
        remove: (name) => conjur.remove(name),
      },
    });
    return { secretResolvers: [resolver], close: () => conjur.close() };
  },
});
