/**
 * LiteLLM's `google_text_moderation` callback: before a call reaches a provider, its text goes to
 * Google Cloud Natural Language `documents:moderateText`; the first category whose confidence is
 * above its threshold (per category, else `google_moderation_confidence_threshold`, else 0.8)
 * refuses the call with LiteLLM's 400. Google unreachable or refusing is a fault: fail-closed
 * unless the operator sets `failure_policy: fail-open`.
 */
import { definePlugin, definePluginErrors } from '@sluice/plugin-sdk';
import { ServiceAccountTokenSource, loadServiceAccountKey, serviceAccountKeySecrets, type ServiceAccountKey } from '@sluice/plugin-sdk/node';
import type { GuardrailGoogleTextModerationConfig } from './config.generated.js';
import { ModerateTextClient, type GoogleAuth, type ModerationCategory } from './moderate-text-client.js';
import { moderatedText } from './moderated-text.js';
import { resolveThresholds } from './thresholds.js';

/**
 * LiteLLM's message ends with the protobuf category as Python prints it (`name: "Toxic"\nconfidence: 0.95\n`);
 * here it is the same text format on one line.
 */
export const GoogleModerationErrors = definePluginErrors('GOOGLE_TEXT_MODERATION', {
  VIOLATION: { status: 400, type: 'bad_request_error', param: 'None', message: 'Violated content safety policy. Category={category}' },
});

function protoText(category: ModerationCategory): string {
  return `name: ${JSON.stringify(category.name)} confidence: ${category.confidence}`;
}

export default definePlugin<GuardrailGoogleTextModerationConfig>({
  id: 'guardrail-google-text-moderation',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const timeoutMs = config.timeout_ms ?? 10_000;
    let auth: GoogleAuth;
    if (config.api_key !== undefined) {
      ctx.secrets.redact(config.api_key);
      auth = { kind: 'api-key', apiKey: config.api_key };
    } else {
      const source = config.credentials ?? (await ctx.secrets.get('GOOGLE_APPLICATION_CREDENTIALS'));
      if (!source) throw new Error('google_text_moderation needs GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or api_key in the plugin config');
      let key: ServiceAccountKey;
      try {
        key = loadServiceAccountKey(source);
      } catch (err) {
        throw new Error(`google_text_moderation: ${(err as Error).message}`, { cause: err });
      }
      // `credentials` may be the JSON text itself, where the key appears JSON-escaped.
      for (const secret of serviceAccountKeySecrets(key)) ctx.secrets.redact(secret);
      const tokens = new ServiceAccountTokenSource(ctx.http, key, { now: () => ctx.now(), timeoutMs, onToken: (t) => ctx.secrets.redact(t) });
      auth = { kind: 'service-account', tokens };
    }
    const apiBase = config.api_base ?? 'https://language.googleapis.com';
    const client = new ModerateTextClient(ctx.http, apiBase, auth, timeoutMs);
    const thresholds = resolveThresholds(config);
    ctx.log.info({ apiBase, auth: auth.kind, thresholds: thresholds.table }, 'Google Text Moderation enabled');
    return {
      async preCall(call) {
        const text = moderatedText(call.endpoint, call.body);
        if (text.length === 0) return;
        for (const category of await client.moderate(text)) {
          if (category.confidence > thresholds.of(category.name)) {
            ctx.log.warn({ requestId: call.requestId, category: category.name, confidence: category.confidence, threshold: thresholds.of(category.name) }, 'Google Text Moderation: request refused');
            throw GoogleModerationErrors.VIOLATION({ category: protoText(category) });
          }
        }
      },
    };
  },
});
