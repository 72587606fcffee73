/**
 * guardrail-pattern: a guardrail on `preCall` that denies prompts matching a configured regular
 * expression, with a coded 400 naming the guardrail (a verdict: the client sees it, nothing is
 * counted against the plugin), or redacts the match instead. It uses only `ctx.log`, so it needs
 * no grants.
 */
import { defineSandboxedPlugin, definePluginErrors, type JsonObject, type JsonValue } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };

/** config.schema.json as a type; the gateway validates the config and fills its defaults before setup. */
export interface Config {
  patterns?: string[];
  flags?: string;
  action?: 'refuse' | 'redact';
  replacement?: string;
}

/** Coded errors. Throwing one is a verdict: it reaches the client as an OpenAI error envelope. */
export const errors = definePluginErrors('GUARDRAIL_PATTERN', {
  BLOCKED: {
    status: 400,
    type: 'invalid_request_error',
    message: 'Violated guardrail policy: guardrail-pattern blocked this request (pattern #{index} matched).',
    param: 'messages',
  },
});

export default defineSandboxedPlugin<Config>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const action = config.action ?? 'refuse';
    const replacement = config.replacement ?? '[blocked]';
    // Compiled once at setup, never per request; a bad pattern fails setup with its message.
    const flags = [...new Set(`${config.flags ?? 'i'}g`)].join('');
    const patterns = (config.patterns ?? []).map((source) => new RegExp(source, flags));
    ctx.log.info({ patterns: patterns.length, action }, 'guardrail ready');

    return {
      async preCall(call) {
        let redacted = false;
        for (const part of textParts(call.body)) {
          const text = String(part.holder[part.key]);
          const index = patterns.findIndex((p) => {
            p.lastIndex = 0;
            return p.test(text);
          });
          if (index === -1) continue;
          // The matched text is not echoed back: it may be the very secret the pattern guards.
          if (action === 'refuse') throw errors.BLOCKED({ index: index + 1 });
          part.holder[part.key] = patterns.reduce((out, p) => out.replace(p, replacement), text);
          redacted = true;
        }
        if (redacted) {
          call.tags.push('guardrail-pattern:redacted');
          ctx.log.warn({ requestId: call.requestId }, 'redacted text matching a blocked pattern');
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
