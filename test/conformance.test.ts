/**
 * Every first-party plugin against the SDK contract, as the gateway loads it: its default export is
 * the definePlugin(...) its manifest describes, setup succeeds with its schema's defaults, it taps
 * exactly the hooks its manifest declares (no more, no fewer), and a call still goes through.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanPlugins } from '../kernel/plugins/plugin-catalog.js';
import { HOOK_NAMES } from '../kernel/stages.js';
import { MASTER_KEY, startGateway } from './support/gateway.js';

/** Plugins that need settings to start, and the smallest config that satisfies them. */
const REQUIRED_CONFIG: Record<string, object> = {
  // Taps its hooks only when a limit is set (otherwise every response would be re-serialised).
  'policy-size-limits': { max_request_size_mb: 32, max_response_size_mb: 32 },
  // Moderation through an outside service: nothing answers on port 9, so the call goes through
  // only because these run fail-open here (FAIL_OPEN) or do not check master-key calls.
  'guardrail-llm-guard': { api_base: 'http://127.0.0.1:9', llm_guard_mode: 'key-specific' },
  'guardrail-llamaguard': { llamaguard_model_name: 'fake' },
  'guardrail-google-text-moderation': { api_base: 'http://127.0.0.1:9', api_key: 'conformance' },
  // Taps preCall (team model names) only when models are stored in the database.
  'model-store': { store_model_in_db: true, salt_key: 'conformance-salt' },
  // Taps preCall (keeping the request body for the row) only when prompts are stored.
  'spend-logs': { store_prompts_in_spend_logs: true },
  // A Vault login method is required; hosted_keys: [] so nothing is read from the (absent) Vault.
  'secrets-vault': { vault_addr: 'http://127.0.0.1:9', vault_token: 'conformance', hosted_keys: [] },
  // A JWKS URL is required (nothing is fetched for master-key calls); preCall is tapped only for model rules.
  'auth-jwt': { public_key_url: 'http://127.0.0.1:9/jwks', enforce_scope_based_access: true, scope_mappings: [{ scope: 'conformance', models: ['fake'] }] },
  // An IdP to trust is required (nothing is fetched until a login starts).
  'auth-sso-saml': { idp_sso_url: 'http://127.0.0.1:9/sso', proxy_base_url: 'http://127.0.0.1:4000', idp_cert: readFileSync(new URL('../plugins/auth-sso-saml/test/fixtures/idp.crt', import.meta.url), 'utf8') },
  // Secret managers need where and who; hosted_keys: [] so nothing is read from the (absent) manager.
  'secrets-azure-key-vault': { vault_uri: 'https://127.0.0.1:9', tenant_id: 't', client_id: 'c', client_secret: 'conformance', hosted_keys: [] },
  'secrets-cyberark': { api_base: 'http://127.0.0.1:9', account: 'a', username: 'u', api_key: 'conformance', hosted_keys: [] },
  'secrets-google-kms': { resource_name: 'projects/p/locations/global/keyRings/r/cryptoKeys/k', hosted_keys: [] },
  'secrets-google-secret-manager': { project_id: 'conformance', hosted_keys: [] },
  // Taps nothing without a channel; preAuth (request size alerts) only with max_request_size_mb.
  'alerting-slack': { alerting: ['slack'], slack_webhook_url: 'http://127.0.0.1:9/slack', max_request_size_mb: 32 },
  // A bucket is required; nothing answers on port 9, so logs wait in the queue and are spilled at close.
  'export-s3': { s3_callback_params: { s3_bucket_name: 'conformance', s3_endpoint_url: 'http://127.0.0.1:9' } },
};

/** Plugins that act on other plugins' taps, and the config sections that give them a tap of their own to make. */
const REQUIRED_SECTIONS: Record<string, object> = {
  // Taps postCall (the during_call barrier) only when some guardrail runs during_call, and preCall
  // (the refusal of unavailable guardrails) only when some entry's type has no plugin.
  'guardrails-litellm': {
    guardrails: [
      { guardrail_name: 'words', litellm_params: { guardrail: 'banned_keywords', mode: 'during_call', default_on: true, banned_keywords_list: ['forbidden'] } },
      { guardrail_name: 'unavailable', litellm_params: { guardrail: 'aporia', mode: 'pre_call' } },
    ],
  },
};

/** Plugins whose conformance call can only pass with their outside service skipped. */
const FAIL_OPEN = new Set(['guardrail-llamaguard', 'guardrail-google-text-moderation']);

describe('first-party plugins conform to the SDK contract', () => {
  for (const entry of scanPlugins().latest()) {
    const { id, version, hooks = {} } = entry.manifest;
    it(`${id}@${version}`, async () => {
      const gw = await startGateway({
        model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: `${id}@${version}`, config: REQUIRED_CONFIG[id] ?? {}, ...(FAIL_OPEN.has(id) && { failure_policy: 'fail-open' }) }],
        ...REQUIRED_SECTIONS[id],
      } as never);
      try {
        const loaded = gw.gateway.plugins.find((p) => p.id === id);
        expect(loaded?.version).toBe(version);
        const tapped = new Set(gw.gateway.hookOrder.filter((l) => l.includes(` ${id}@`)).map((l) => l.trim().split(/\s+/)[0]!.replace('postCallChunk', 'postCall')));
        const declared = new Set(HOOK_NAMES.filter((h) => hooks[h] !== undefined));
        expect([...tapped].sort()).toEqual([...declared].sort());
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'conformance' }] }),
        });
        expect(res.status).toBe(200);
      } finally {
        await gw.close();
      }
    });
  }
});
