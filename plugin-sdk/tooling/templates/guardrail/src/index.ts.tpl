/**
 * __ID__: a guardrail on `preCall`. A request that mentions a blocked term is refused with a coded
 * 400 (a verdict: the client sees it, nothing is counted against the plugin) or has the term
 * redacted. It uses only `ctx.log`, so it needs no grants.
 */
import { defineSandboxedPlugin, definePluginErrors, type JsonObject, type JsonValue } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };

/** config.schema.json as a type; the gateway validates the config and fills its defaults before setup. */
export interface Config {
  blocked_terms?: string[];
  action?: 'refuse' | 'redact';
  replacement?: string;
}

/** Coded errors. Throwing one is a verdict: it reaches the client as an OpenAI error envelope. */
export const errors = definePluginErrors('__ERROR_PREFIX__', {
  BLOCKED: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request was refused by __ID__: it mentions "{term}".',
    param: 'messages',
  },
});

export default defineSandboxedPlugin<Config>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const terms = (config.blocked_terms ?? []).map((t) => t.toLowerCase());
    const action = config.action ?? 'refuse';
    const replacement = config.replacement ?? '[blocked]';
    // Compiled once at setup, never per request.
    const patterns = terms.map((t) => new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'));
    ctx.log.info({ terms: terms.length, action }, 'guardrail ready');

    return {
      async preCall(call) {
        let redacted = false;
        for (const part of textParts(call.body)) {
          const text = String(part.holder[part.key]);
          const lower = text.toLowerCase();
          const index = terms.findIndex((t) => lower.includes(t));
          if (index === -1) continue;
          if (action === 'refuse') throw errors.BLOCKED({ term: terms[index] });
          part.holder[part.key] = patterns.reduce((out, p) => out.replace(p, replacement), text);
          redacted = true;
        }
        if (redacted) {
          call.tags.push('__ID__:redacted');
          ctx.log.warn({ requestId: call.requestId }, 'redacted a blocked term');
        }
        return call;
      },
    };
  },
});

/** Every text of the messages: `content` strings and `{type: 'text', text}` parts. */
function textParts(body: JsonObject): { holder: JsonObject; key: string }[] {
  const parts: { holder: JsonObject; key: string }[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    if (typeof message.content === 'string') parts.push({ holder: message, key: 'content' });
    else if (Array.isArray(message.content)) {
      for (const part of message.content) if (isObject(part) && typeof part.text === 'string') parts.push({ holder: part, key: 'text' });
    }
  }
  return parts;
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
