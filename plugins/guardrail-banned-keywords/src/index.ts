/**
 * LiteLLM's `banned_keywords` callback: a request whose messages (or prompt) contain a listed
 * keyword is refused before it reaches a provider, and a response that contains one is refused
 * before it reaches the client: whole responses in one check, streams chunk by chunk as they pass.
 */
import { definePlugin, definePluginErrors, type ChunkContext } from '@sluice/plugin-sdk';
import { bannedInChunk, bannedInRequest, bannedInResponse } from './banned-texts.js';
import type { GuardrailBannedKeywordsConfig } from './config.generated.js';
import { KeywordMatcher } from './keyword-matcher.js';
import { readListSetting } from '@sluice/plugin-sdk/node';

/** LiteLLM answers 400 with this message (its HTTPException carries no type or param: "None"). */
const BannedKeywordErrors = definePluginErrors('BANNED_KEYWORDS', {
  KEYWORD: { status: 400, type: 'bad_request_error', param: 'None', message: 'Keyword banned. Keyword={keyword}' },
});

/** Per-request scratch key for the streaming automaton states. */
const STREAM_STATES = 'guardrail-banned-keywords:stream-states';

function streamStates(ctx: ChunkContext): Map<number, number> {
  let states = ctx.call.state[STREAM_STATES] as Map<number, number> | undefined;
  if (!states) {
    states = new Map();
    ctx.call.state[STREAM_STATES] = states;
  }
  return states;
}

export default definePlugin<GuardrailBannedKeywordsConfig>({
  id: 'guardrail-banned-keywords',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const matcher = KeywordMatcher.compile(readListSetting('banned_keywords_list', config.banned_keywords_list));
    if (matcher.size === 0) {
      ctx.log.warn('banned_keywords is enabled but litellm_settings.banned_keywords_list is empty: no keyword is blocked');
    } else {
      ctx.log.info({ keywords: matcher.size, tableBytes: matcher.tableBytes }, 'banned keywords loaded');
    }
    const deny = (keyword: string | undefined) => {
      if (keyword !== undefined) throw BannedKeywordErrors.KEYWORD({ keyword });
    };
    return {
      async preCall(call) {
        deny(bannedInRequest(matcher, call.body));
      },
      postCall: {
        streaming: 'chunk',
        async response(res) {
          deny(bannedInResponse(matcher, res.response));
        },
        async chunk(c) {
          if (c.chunk) deny(bannedInChunk(matcher, c.chunk, streamStates(c)));
        },
      },
    };
  },
});
